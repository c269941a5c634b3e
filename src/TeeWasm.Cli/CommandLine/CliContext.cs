using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TeeWasm.Cli.CommandLine;

/// <summary>What every command writes to: the output, the error stream, and the host's log (set up once the command line is parsed).</summary>
internal sealed class CliContext(TextWriter stdout, TextWriter stderr)
{
    /// <summary>Results (text, JSON).</summary>
    public TextWriter Out { get; } = stdout;

    /// <summary>Errors, the log, notices.</summary>
    public TextWriter Error { get; } = stderr;

    /// <summary>The host's log, at the level of -v/-q/TEEWASM_LOG.</summary>
    public ILoggerFactory Logging { get; set; } = NullLoggerFactory.Instance;

    /// <summary>The CLI's own logger.</summary>
    public ILogger Logger => Logging.CreateLogger("tee-wasm");
}
