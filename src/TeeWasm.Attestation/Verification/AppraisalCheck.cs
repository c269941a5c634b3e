namespace TeeWasm.Attestation.Verification;

/// <summary>The state of one check of an <see cref="Appraisal"/>.</summary>
public enum CheckStatus
{
    /// <summary>The check passed.</summary>
    Pass,

    /// <summary>The check failed: the evidence is rejected.</summary>
    Fail,

    /// <summary>The check could not run (e.g. the evidence did not verify, so its fields are not trusted).</summary>
    Skip,
}

/// <summary>One check of an appraisal: its name, status and the reason in plain words.</summary>
/// <param name="Name">"signature and chain", "debug", "vmpl", "certificate chain", "nonce", "policy"…</param>
/// <param name="Status">Pass, fail or skip.</param>
/// <param name="Reason">Why, in words.</param>
public sealed record AppraisalCheck(string Name, CheckStatus Status, string Reason)
{
    /// <summary>The machine-readable reason of a failure set by the verifier ("SignatureInvalid", "NonceMismatch"…), or null for the default of its name.</summary>
    public string? Code { get; init; }

    /// <summary>
    /// The machine-readable reason of this check when it failed: <see cref="Code"/>, else one derived from the check's
    /// name ("debug" → "DebugAllowed", "vmpl" → "VmplNotAllowed", "policy" → "PolicyViolation", …); null when it did not fail.
    /// </summary>
    public string? ReasonCode => Status != CheckStatus.Fail ? null : Code ?? DefaultCode(Name);

    private static string DefaultCode(string name) => name switch
    {
        "debug" => "DebugAllowed",
        "vmpl" => "VmplNotAllowed",
        "policy" => "PolicyViolation",
        "driver" => "DriverVersionTooLow",
        "vbios" => "VbiosVersionTooLow",
        "cc mode" => "ConfidentialComputingOff",
        _ => string.Concat(name.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..])) + "Failed",
    };

    /// <summary>A check skipped because the evidence did not verify.</summary>
    public static AppraisalCheck Untrusted(string name) =>
        new(name, CheckStatus.Skip, "not evaluated: the evidence did not verify, so its fields cannot be trusted");
}
