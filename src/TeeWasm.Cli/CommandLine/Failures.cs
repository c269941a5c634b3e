using System.Text.RegularExpressions;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Inputs;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Verification;
using TeeWasm.Runtime;
using TeeWasm.Runtime.Interfaces.Gpu;
using TeeWasm.Runtime.Modules;

namespace TeeWasm.Cli.CommandLine;

/// <summary>
/// What a command's exception means for the user: its exit code (<see cref="ExitCodes"/>) and one line in the user's
/// words. Every command goes through here, so the rule holds for commands added later too.
/// </summary>
internal static partial class Failures
{
    /// <summary>The exit code and the line (without "error: ") for <paramref name="e"/>.</summary>
    public static (int ExitCode, string Message) Describe(Exception e) => e switch
    {
        UsageException or VerificationInputException => (ExitCodes.Usage, WithSuggestion(e)),
        // A --gpu backend this machine cannot provide is a wrong command line here, like an unknown one.
        GpuUnavailableException => (ExitCodes.Usage, e.Message),
        // An input over its size cap (docs/limits.md) is a wrong command line too.
        InputTooLargeException => (ExitCodes.Usage, e.Message),
        // The module named on the command line cannot be used as given (missing, not a module, invalid): nothing ran.
        ModuleFileException => (ExitCodes.Usage, e.Message),
        PolicyException => (ExitCodes.Usage, WithSuggestion(e)),
        WasmRuntimeException or AttestationException => (ExitCodes.Failure, e.Message),
        FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException => (ExitCodes.Usage, PathProblem(e)),
        IOException => (ExitCodes.Failure, e.Message),
        OperationCanceledException => (ExitCodes.Failure, "cancelled"),
        _ => (ExitCodes.Failure, $"internal error ({e.GetType().Name}: {ParseErrors.OneLine(e.Message)}); please report it with the command line (TEEWASM_LOG=debug shows where)"),
    };

    /// <summary>The message, with "did you mean" for an unknown policy key found anywhere in its causes.</summary>
    private static string WithSuggestion(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is PolicyException { UnknownKey: { } key } p)
            {
                string suggestion = Suggestions.DidYouMean(key, p.KnownKeys);
                return e.Message + (suggestion.Length > 0 ? suggestion : $"; known keys: {string.Join(", ", p.KnownKeys)}");
            }
        }
        return e.Message;
    }

    /// <summary>"cannot write 'enc/x.enc': directory 'enc' does not exist" rather than .NET's "Could not find a part of the path …".</summary>
    private static string PathProblem(Exception e)
    {
        string? path = e is FileNotFoundException f ? f.FileName : QuotedPath().Match(e.Message) is { Success: true } m ? m.Groups[1].Value : null;
        if (path is null) return e.Message;
        string shown = Shown(path);
        return e switch
        {
            FileNotFoundException => $"file '{shown}' not found",
            DirectoryNotFoundException when Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir && !Directory.Exists(dir) =>
                $"cannot use '{shown}': directory '{Shown(dir)}' does not exist",
            DirectoryNotFoundException => $"directory '{shown}' not found",
            _ => $"'{shown}': permission denied",
        };
    }

    /// <summary>A path as the user typed it: relative to the current directory when it is below it.</summary>
    private static string Shown(string path)
    {
        string full = Path.GetFullPath(path), cwd = Directory.GetCurrentDirectory();
        return full.StartsWith(cwd + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? Path.GetRelativePath(cwd, full) : path;
    }

    [GeneratedRegex("'([^']+)'")]
    private static partial Regex QuotedPath();
}
