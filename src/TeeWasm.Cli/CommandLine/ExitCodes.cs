namespace TeeWasm.Cli.CommandLine;

/// <summary>
/// The exit-code rule every <c>tee-wasm</c> command follows (docs/cli.md, "Exit codes"): 0 success; 1 the command
/// ran and the answer is no (evidence rejected, attestation failed, the guest trapped or could not start, the module
/// or evidence file it works on is not acceptable, a host failure); 2 the command line is wrong; <c>run</c> passes a
/// guest's own exit code through.
/// </summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>A verdict or guest failure: rejected, failed, trapped, not acceptable; or the host failed.</summary>
    public const int Failure = 1;

    /// <summary>
    /// The command line is wrong: an unknown command or option, a missing or bad option value, a file or directory it
    /// names that does not exist or cannot be used, a malformed configuration file (<c>--policy</c>, <c>--key-file</c>).
    /// </summary>
    public const int Usage = 2;
}
