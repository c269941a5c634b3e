namespace TeeWasm.Attestation.Inputs;

/// <summary>
/// The size cap of every input TeeWasm reads whole (docs/limits.md has the table). Each is one to three orders of
/// magnitude above the largest real input of its kind, so only something that is not such an input reaches it.
/// </summary>
public static class InputLimits
{
    /// <summary>An evidence file for <c>tee-wasm verify</c> (a report, a quote, evidence JSON of a VM or of GPUs), a <c>--td-quote</c> file, a report from configfs-tsm: 16 MiB.</summary>
    public const int Evidence = 16 << 20;

    /// <summary>A certificate file (<c>--cert</c>, DER or a PEM bundle; a GPU's device chain): 1 MiB.</summary>
    public const int Certificate = 1 << 20;

    /// <summary>A policy file (<c>--policy</c>; the key broker's secret policy): 1 MiB.</summary>
    public const int Policy = 1 << 20;

    /// <summary>One TDX collateral file (TCB info, QE identity, a CRL): 4 MiB.</summary>
    public const int Collateral = 4 << 20;

    /// <summary>One NVIDIA reference integrity manifest (RIM XML): 4 MiB.</summary>
    public const int Rim = 4 << 20;

    /// <summary>A JSON Web Key Set fetched from a token service: 1 MiB.</summary>
    public const int Jwks = 1 << 20;

    /// <summary>Any other answer of a remote service (MAA, ITA, NRAS, a key broker, Azure IMDS, AMD KDS): 16 MiB.</summary>
    public const int ServiceAnswer = 16 << 20;

    /// <summary>A secret the key broker serves (a file under its secrets directory): 1 MiB.</summary>
    public const int Secret = 1 << 20;

    /// <summary>A key file (<c>kbs encrypt --key-file</c>; 32 raw bytes, 64 hex digits or base64): 4 KiB.</summary>
    public const int KeyFile = 4 << 10;

    /// <summary>The data <c>kbs encrypt</c> encrypts in one piece (AES-256-GCM): 1 GiB.</summary>
    public const int EncryptInput = 1 << 30;

    /// <summary>A WebAssembly module (<c>.wasm</c>, <c>.wat</c>, a precompiled module; <c>attest --module</c>): 512 MiB.</summary>
    public const int Module = 512 << 20;

    /// <summary>"16 MiB", "4 KiB", "100 bytes".</summary>
    public static string Describe(long bytes) => bytes switch
    {
        >= 1 << 30 when bytes % (1 << 30) == 0 => $"{bytes >> 30} GiB",
        >= 1 << 20 when bytes % (1 << 20) == 0 => $"{bytes >> 20} MiB",
        >= 1 << 10 when bytes % (1 << 10) == 0 => $"{bytes >> 10} KiB",
        _ => $"{bytes} bytes",
    };
}
