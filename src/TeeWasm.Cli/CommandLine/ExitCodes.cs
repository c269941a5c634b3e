namespace TeeWasm.Cli.CommandLine;

/// <summary>
/// The exit-code rule every <c>tee-wasm</c> command follows (docs/cli.md, "Exit codes"): 0 success; 1 the command
/// ran and the answer is no (evidence rejected, attestation failed, the guest could not be instantiated, a host
/// failure); 134 the guest trapped (<c>run</c>, as <c>wasmtime run</c>); 2 the command line is wrong, nothing ran (an unknown command or option, a bad value, a file it names
/// that is missing or is not what the command takes); <c>run</c> passes a guest's own exit code through.
/// </summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>A verdict or guest failure: rejected, failed, could not be instantiated; or the host failed.</summary>
    public const int Failure = 1;

    /// <summary><c>run</c>: the guest trapped, or <c>--fuel</c>/<c>--timeout</c> stopped it (as <c>wasmtime run</c> on Unix: 128 + SIGABRT).</summary>
    public const int Trap = TeeWasm.Runtime.Hosting.GuestFailure.TrapExitCode;

    /// <summary>
    /// The command line is wrong and nothing ran: an unknown command or option, a missing or bad option value, a file or
    /// directory it names that does not exist or cannot be used, a file that is not what the command takes (not a
    /// module or not a valid one, not evidence, a malformed <c>--policy</c> or <c>--key-file</c>).
    /// </summary>
    public const int Usage = 2;
}
