// Embeds the TeeWasm host in a .NET program: runs a WASI guest with wasmtime:attestation, but only once the VM has
// been attested and the evidence meets a policy (what `tee-wasm run --require-attestation --policy` does).
//
//   dotnet run -- GUEST.wasm [--simulate]
//
// --simulate uses the development simulator (a simulated SEV-SNP VM and GPU), and a policy that admits it; without it
// the host attests the real platform and the default policy refuses anything simulated or debuggable.
using TeeWasm.Attestation;
using TeeWasm.Attestation.Policy;
using TeeWasm.Runtime;
using TeeWasm.Runtime.Hosting;

if (args.Length is < 1 or > 2 || (args.Length == 2 && args[1] != "--simulate"))
{
    Console.Error.WriteLine("usage: EmbedHost GUEST.wasm [--simulate]");
    return 2;
}
bool simulate = args.Length == 2;

var options = new RunOptions
{
    Attestation = new AttesterOptions { Mode = simulate ? AttestationMode.Simulate : AttestationMode.Auto },
    Policy = new AttestationPolicy { AcceptedPlatforms = ["AMD SEV-SNP", "Intel TDX", "NVIDIA GPU"], AllowSimulated = simulate },
    RequireAttestation = true,
    Logger = new HostLog(),
};

try
{
    RunResult result = WasmRunner.Run(args[0], options);
    if (result.Error is not null) Console.Error.WriteLine("guest failed: " + result.Error);
    return result.ExitCode;
}
catch (WasmRuntimeException e)
{
    Console.Error.WriteLine("cannot run the guest: " + e.Message);
    return 1;
}

/// <summary>The host's log lines on stderr ("[host] …"); any ILogger will do, e.g. one from Microsoft.Extensions.Logging.Console.</summary>
sealed class HostLog : Microsoft.Extensions.Logging.ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Information;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel)) Console.Error.WriteLine("[host] " + formatter(state, exception));
    }
}
