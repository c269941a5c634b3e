using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Runtime.Hosting;

/// <summary>How a guest run ended.</summary>
/// <param name="ExitCode">The guest's exit code (0 when <c>_start</c> returned), or 1 after a trap or load failure.</param>
/// <param name="Error">One line saying why the guest did not finish normally, or null.</param>
/// <param name="CacheHit">Whether the compiled module came from the on-disk cache.</param>
public sealed record RunResult(int ExitCode, string? Error, bool CacheHit)
{
    /// <summary>The launch's identity (its digest is bound into every report of the run), once the module loaded.</summary>
    public WorkloadIdentity? Workload { get; init; }

    /// <summary>The signed receipt's JSON (<see cref="RunOptions.Receipt"/>), when the guest ran.</summary>
    public string? Receipt { get; init; }

    /// <summary>The offline bundle's JSON (<see cref="RunOptions.Bundle"/>), when the guest ran.</summary>
    public string? Bundle { get; init; }

    /// <summary>With <see cref="RunOptions.Invoke"/>: the function's results, one text per value (as Wasmtime's CLI prints them).</summary>
    public IReadOnlyList<string> Results { get; init; } = [];
}
