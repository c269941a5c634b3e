using System.CommandLine;
using Microsoft.Extensions.Logging;

namespace TeeWasm.Cli.CommandLine;

/// <summary>
/// The host's log: Microsoft.Extensions.Logging to stderr, one line per message (<c>[tee-wasm] …</c>), at the level
/// -v/--verbose (debug), -q/--quiet (warnings and errors) or <c>TEEWASM_LOG</c> (debug|info|warn|error) says; info by
/// default. What a guest is told as an error (and may handle) is logged at debug.
/// </summary>
internal static class CliLogging
{
    /// <summary>The environment variable that sets the level when neither -v nor -q is given.</summary>
    public const string Variable = "TEEWASM_LOG";

    /// <summary>-v/--verbose: debug (an option of every command).</summary>
    public static Option<bool> CreateVerbose() => new("--verbose", "-v")
    {
        Description = "Log more: debug lines (which wasi:gpu backend and why, errors returned to the guest, cache use) [or TEEWASM_LOG=debug]",
        Recursive = true,
    };

    /// <summary>-q/--quiet: warnings and errors only (an option of every command).</summary>
    public static Option<bool> CreateQuiet() => new("--quiet", "-q")
    {
        Description = "Log only warnings and errors [or TEEWASM_LOG=warn]",
        Recursive = true,
    };

    /// <summary>The level the parsed command line and the environment ask for.</summary>
    public static LogLevel Level(ParseResult parse, string? variable)
    {
        bool verbose = parse.GetValue<bool>("--verbose"), quiet = parse.GetValue<bool>("--quiet");
        if (verbose && quiet) throw new UsageException("-v/--verbose and -q/--quiet exclude each other");
        if (verbose) return LogLevel.Debug;
        if (quiet) return LogLevel.Warning;
        return variable?.Trim().ToLowerInvariant() switch
        {
            null or "" or "info" => LogLevel.Information,
            "trace" => LogLevel.Trace,
            "debug" => LogLevel.Debug,
            "warn" or "warning" => LogLevel.Warning,
            "error" => LogLevel.Error,
            "off" => LogLevel.None,
            _ => throw new UsageException($"{Variable}='{variable}': expected debug, info, warn, error or off"),
        };
    }

    /// <summary>A factory whose loggers write to <paramref name="stderr"/> from <paramref name="level"/> up.</summary>
    public static ILoggerFactory Create(LogLevel level, TextWriter stderr) =>
        new LoggerFactory([new StderrLoggerProvider(stderr)], new LoggerFilterOptions { MinLevel = level });
}

/// <summary>Writes each message as one line, <c>[tee-wasm] text</c>, whatever its level (the texts the host always printed).</summary>
internal sealed class StderrLoggerProvider(TextWriter stderr) : ILoggerProvider
{
    private readonly Lock _lock = new();

    public ILogger CreateLogger(string categoryName) => new StderrLogger(this);

    public void Dispose() { }

    private void Write(string line)
    {
        lock (_lock) stderr.WriteLine(line);
    }

    private sealed class StderrLogger(StderrLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            provider.Write("[tee-wasm] " + formatter(state, exception) + (exception is null ? "" : Environment.NewLine + exception));
        }
    }
}
