namespace TeeWasm.Attestation.Evidence;

/// <summary>How report_data commits to the module hash, host key, relying-party nonce and (when bound) the workload (the evidence JSON's <c>binding.scheme</c>).</summary>
public enum BindingScheme
{
    /// <summary>TeeWasm's own: report_data = SHA-512(module SHA-256 ‖ host key SEC1 ‖ nonce) (<see cref="ReportDataBinding"/>).</summary>
    TeeWasm,

    /// <summary>Azure Attestation: report_data = SHA-256(runtime data) ‖ 32 zero bytes.</summary>
    Maa,

    /// <summary>
    /// TeeWasm's own with the launch bound: report_data = SHA-512("tee-wasm/workload/v1" ‖ module SHA-256 ‖ host key SEC1
    /// ‖ workload SHA-256 ‖ nonce) (<see cref="ReportDataBinding.ComputeForWorkload"/>).
    /// </summary>
    TeeWasmWorkload,

    /// <summary>Intel Trust Authority: report_data = SHA-512(nonce.val ‖ nonce.iat ‖ runtime data).</summary>
    Ita,
}

/// <summary>The names of <see cref="BindingScheme"/> in the evidence JSON.</summary>
public static class BindingSchemeNames
{
    /// <summary>The name TeeWasm has always written for its own scheme (kept so its evidence JSON stays byte-identical).</summary>
    public const string TeeWasmFormula = "SHA-512(module_sha256 || host_key_sec1 || nonce)";

    /// <summary>Short name of <see cref="BindingScheme.TeeWasm"/>, also accepted when reading.</summary>
    public const string TeeWasm = "teewasm";

    /// <summary>Name of <see cref="BindingScheme.TeeWasmWorkload"/>.</summary>
    public const string TeeWasmWorkload = "teewasm-workload";

    /// <summary>Name of <see cref="BindingScheme.Maa"/>.</summary>
    public const string Maa = "maa";

    /// <summary>Name of <see cref="BindingScheme.Ita"/>.</summary>
    public const string Ita = "ita";

    /// <summary>The name written for <paramref name="scheme"/>.</summary>
    public static string ToName(this BindingScheme scheme) => scheme switch
    {
        BindingScheme.Maa => Maa,
        BindingScheme.Ita => Ita,
        BindingScheme.TeeWasmWorkload => TeeWasmWorkload,
        _ => TeeWasmFormula,
    };

    /// <summary>The short name of <paramref name="scheme"/> ("teewasm", "maa", "ita"), for messages and verdicts.</summary>
    public static string ToShortName(this BindingScheme scheme) => scheme == BindingScheme.TeeWasm ? TeeWasm : scheme.ToName();

    /// <summary>Reads a scheme name; a missing name (older evidence) is TeeWasm's scheme.</summary>
    public static bool TryParse(string? name, out BindingScheme scheme)
    {
        switch (name)
        {
            case null or TeeWasmFormula or TeeWasm: scheme = BindingScheme.TeeWasm; return true;
            case TeeWasmWorkload: scheme = BindingScheme.TeeWasmWorkload; return true;
            case Maa: scheme = BindingScheme.Maa; return true;
            case Ita: scheme = BindingScheme.Ita; return true;
            default: scheme = default; return false;
        }
    }
}
