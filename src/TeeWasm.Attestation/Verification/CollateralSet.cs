namespace TeeWasm.Attestation.Verification;

/// <summary>What a piece of collateral is.</summary>
public enum CollateralKind
{
    /// <summary>An AMD certificate: VCEK or VLEK, ASK or ASVK, ARK (DER or PEM).</summary>
    AmdCertificate,

    /// <summary>An AMD CRL (the KDS CRL of the ARK/ASK), DER or PEM.</summary>
    AmdCrl,

    /// <summary>An Intel PCK certificate (or its CA chain), PEM or DER.</summary>
    PckCertificate,

    /// <summary>Intel PCS TDX TCB info (JSON as served).</summary>
    TdxTcbInfo,

    /// <summary>Intel PCS TD QE identity (JSON as served).</summary>
    TdxQeIdentity,

    /// <summary>The Intel SGX TCB signing chain (PEM) that signed the TCB info and QE identity.</summary>
    TcbSigningChain,

    /// <summary>An Intel CRL (PCK Platform/Processor CA, Root CA), DER or PEM.</summary>
    IntelCrl,

    /// <summary>An NVIDIA device certificate chain (PEM, leaf first).</summary>
    NvidiaCertificateChain,

    /// <summary>An NVIDIA reference integrity manifest (driver or VBIOS RIM, XML).</summary>
    NvidiaRim,

    /// <summary>An OCSP response for an NVIDIA certificate (DER).</summary>
    NvidiaOcspResponse,
}

/// <summary>One piece of collateral: what it is, a name for messages, its bytes as obtained, and where it came from.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Name">A name for people ("VCEK", "tcbinfo.json", a RIM's id).</param>
/// <param name="Data">The bytes, exactly as obtained.</param>
/// <param name="Source">Where they came from ("evidence", "--vm-cert vcek.pem", "--tdx-collateral DIR", "fetch cache").</param>
public sealed record CollateralItem(CollateralKind Kind, string Name, byte[] Data, string Source);

/// <summary>
/// The collateral a verifier needs besides the evidence, typed and platform-neutral: certificates, CRLs, Intel TCB info
/// and QE identity, NVIDIA RIMs and OCSP answers. A bundle carries one (<c>attest --bundle</c>); a verifier given one
/// (<see cref="VerifyOptions.Collateral"/>) takes its inputs from it and from nowhere else. Each platform reads the kinds it uses.
/// </summary>
/// <param name="Items">The pieces, in order.</param>
public sealed record CollateralSet(IReadOnlyList<CollateralItem> Items)
{
    /// <summary>No collateral.</summary>
    public static CollateralSet Empty { get; } = new([]);

    /// <summary>The pieces of one kind, in order.</summary>
    public IEnumerable<CollateralItem> Of(CollateralKind kind) => Items.Where(i => i.Kind == kind);

    /// <summary>True when the set holds a piece of <paramref name="kind"/>.</summary>
    public bool Has(CollateralKind kind) => Items.Any(i => i.Kind == kind);

    /// <summary>The pieces a GPU verifier uses (NVIDIA chains, RIMs, OCSP answers).</summary>
    public CollateralSet ForGpus() => new([.. Items.Where(i => i.Kind is CollateralKind.NvidiaCertificateChain or CollateralKind.NvidiaRim or CollateralKind.NvidiaOcspResponse)]);

    /// <summary>The pieces a VM verifier uses (everything but NVIDIA's).</summary>
    public CollateralSet ForVm() => new([.. Items.Where(i => i.Kind is not (CollateralKind.NvidiaCertificateChain or CollateralKind.NvidiaRim or CollateralKind.NvidiaOcspResponse))]);

    /// <summary>The name a bundle writes for <paramref name="kind"/> ("amd-certificate", "tdx-tcb-info"…).</summary>
    public static string KindName(CollateralKind kind) => kind switch
    {
        CollateralKind.AmdCertificate => "amd-certificate",
        CollateralKind.AmdCrl => "amd-crl",
        CollateralKind.PckCertificate => "pck-certificate",
        CollateralKind.TdxTcbInfo => "tdx-tcb-info",
        CollateralKind.TdxQeIdentity => "tdx-qe-identity",
        CollateralKind.TcbSigningChain => "tcb-signing-chain",
        CollateralKind.IntelCrl => "intel-crl",
        CollateralKind.NvidiaCertificateChain => "nvidia-certificate-chain",
        CollateralKind.NvidiaRim => "nvidia-rim",
        CollateralKind.NvidiaOcspResponse => "nvidia-ocsp-response",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The kind a bundle names <paramref name="name"/>; false for an unknown name.</summary>
    public static bool TryParseKind(string? name, out CollateralKind kind)
    {
        foreach (CollateralKind k in Enum.GetValues<CollateralKind>())
        {
            if (KindName(k) == name)
            {
                kind = k;
                return true;
            }
        }
        kind = default;
        return false;
    }
}
