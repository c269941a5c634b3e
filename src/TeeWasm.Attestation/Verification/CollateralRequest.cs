using System.Text;
using System.Text.Json;

namespace TeeWasm.Attestation.Verification;

/// <summary>A kind of vendor collateral a verifier can ask for.</summary>
public enum CollateralKind
{
    /// <summary>AMD KDS: the VCEK of a chip at a reported TCB (DER).</summary>
    AmdVcek,

    /// <summary>AMD KDS: the ASK (or ASVK) and ARK of a product (PEM).</summary>
    AmdCertChain,

    /// <summary>AMD KDS: the ARK's CRL of a product (DER).</summary>
    AmdCrl,

    /// <summary>Intel PCS v4: TDX TCB info of an FMSPC (JSON), with its issuer chain.</summary>
    IntelTcbInfo,

    /// <summary>Intel PCS v4: TD QE identity (JSON), with its issuer chain.</summary>
    IntelQeIdentity,

    /// <summary>Intel PCS v4: the CRL of the PCK Platform or Processor CA (DER), with its issuer chain.</summary>
    IntelPckCrl,

    /// <summary>Intel: the CRL of the Intel SGX Root CA (DER).</summary>
    IntelRootCaCrl,

    /// <summary>NVIDIA RIM service: a RIM by id (SWID XML).</summary>
    NvidiaRim,

    /// <summary>NVIDIA's OCSP responder: the status of one certificate of a device or RIM chain (DER OCSPResponse).</summary>
    NvidiaOcsp,

    /// <summary>An AMD certificate the host had (VCEK or VLEK, ASK or ASVK, ARK; from the evidence or <c>--vm-cert</c>), DER or PEM.</summary>
    AmdCertificate,

    /// <summary>An Intel PCK certificate (or its CA chain) the host had, PEM or DER.</summary>
    PckCertificate,

    /// <summary>The Intel SGX TCB signing chain (PEM) that signed the TCB info and QE identity.</summary>
    TcbSigningChain,

    /// <summary>An Intel CRL the host had (PCK Platform/Processor CA or Root CA), DER or PEM.</summary>
    IntelCrl,

    /// <summary>An NVIDIA device certificate chain the evidence came with (PEM, leaf first).</summary>
    NvidiaCertificateChain,
}

/// <summary>What a verifier needs from a vendor, platform-neutral: the kind and the parameters its URL is made of.</summary>
public sealed record CollateralRequest
{
    /// <summary>The kind.</summary>
    public required CollateralKind Kind { get; init; }

    /// <summary>AMD: the product ("Milan", "Genoa", "Turin").</summary>
    public string? Product { get; init; }

    /// <summary>AMD: the hardware id in the KDS URL (hex; Turin: the first 8 bytes of CHIP_ID).</summary>
    public string? HardwareId { get; init; }

    /// <summary>AMD: the TCB parameters of the VCEK URL, in order (blSPL, teeSPL, snpSPL, ucodeSPL; Turin adds fmcSPL).</summary>
    public IReadOnlyList<KeyValuePair<string, int>> Tcb { get; init; } = [];

    /// <summary>Intel: the FMSPC (hex).</summary>
    public string? Fmspc { get; init; }

    /// <summary>Intel: the PCK CA of a CRL ("platform" or "processor").</summary>
    public string? Ca { get; init; }

    /// <summary>NVIDIA: the RIM id ("NV_GPU_DRIVER_GH100_550.90.07", "NV_GPU_VBIOS_1010_0200_882_96005E0001").</summary>
    public string? RimId { get; init; }

    /// <summary>NVIDIA OCSP: the DER OCSPRequest to post.</summary>
    public byte[]? OcspRequest { get; init; }

    /// <summary>NVIDIA OCSP: the certificate asked about (name and serial), for messages and the cache key.</summary>
    public string? Certificate { get; init; }

    /// <summary>What is asked for, in words.</summary>
    public string Describe() => Kind switch
    {
        CollateralKind.AmdVcek => $"the VCEK of chip {HardwareId?[..Math.Min(16, HardwareId.Length)]}… ({Product}, {string.Join(", ", Tcb.Select(t => $"{t.Key} {t.Value}"))})",
        CollateralKind.AmdCertChain => $"the {Product} ASK/ARK chain",
        CollateralKind.AmdCrl => $"AMD's {Product} CRL",
        CollateralKind.IntelTcbInfo => $"the TDX TCB info of FMSPC {Fmspc}",
        CollateralKind.IntelQeIdentity => "the TD QE identity",
        CollateralKind.IntelPckCrl => $"the PCK {Ca} CA CRL",
        CollateralKind.IntelRootCaCrl => "the Intel SGX Root CA CRL",
        CollateralKind.NvidiaRim => $"RIM {RimId}",
        CollateralKind.NvidiaOcsp => $"the OCSP status of {Certificate}",
        _ => Kind.ToString(),
    };
}

/// <summary>
/// One piece of collateral: what it is (<see cref="Request"/>), where it came from (<see cref="Url"/> when fetched,
/// else <see cref="Source"/>), its bytes and its freshness. The fetcher makes them; a bundle carries them.
/// </summary>
public sealed record CollateralItem
{
    /// <summary>The request it answers (for a piece the host had: only its kind).</summary>
    public required CollateralRequest Request { get; init; }

    /// <summary>What it is.</summary>
    public CollateralKind Kind => Request.Kind;

    /// <summary>Where it was fetched from (and the cache key: for OCSP the responder URL with a fragment naming the request, never sent); null for a piece the host had.</summary>
    public Uri? Url { get; init; }

    /// <summary>Where it came from, in words: the URL, or "evidence", "--vm-cert FILE", "--tdx-collateral DIR"…</summary>
    public string Source { get => field ?? Url?.ToString() ?? ""; init; }

    /// <summary>A name for people: the file name in a collateral folder, or the name given ("VCEK", "tcbinfo.json").</summary>
    public string Name { get => field ?? FileName; init; }

    /// <summary>The content: DER (certificate, CRL, OCSP), PEM (chain), JSON (TCB info, QE identity) or XML (RIM), exactly as obtained.</summary>
    public required byte[] Body { get; init; }

    /// <summary>The issuer chain the vendor sent with it (Intel PCS headers, URL-decoded PEM), or null.</summary>
    public string? IssuerChainPem { get; init; }

    /// <summary>When it was fetched (for a piece the host had: when it was collected).</summary>
    public DateTimeOffset FetchedAt { get; init; }

    /// <summary>When it must be fetched again (CRL/TCB info nextUpdate, certificate notAfter, a set lifetime); null when not fetched.</summary>
    public DateTimeOffset? NextUpdate { get; init; }

    /// <summary>True when it came from the on-disk cache.</summary>
    public bool FromCache { get; init; }

    /// <summary>A piece the host had (not fetched): its kind, a name, its bytes and where it came from.</summary>
    public static CollateralItem Local(CollateralKind kind, string name, byte[] body, string source) =>
        new() { Request = new CollateralRequest { Kind = kind }, Name = name, Body = body, Source = source };

    /// <summary>The file name it gets in a collateral folder (what <c>--collateral</c> reads back, by content).</summary>
    public string FileName => Request.Kind switch
    {
        CollateralKind.AmdVcek => $"vcek_{Request.Product}_{Request.HardwareId?[..Math.Min(16, Request.HardwareId.Length)]}.der",
        CollateralKind.AmdCertChain => $"cert_chain_{Request.Product}.pem",
        CollateralKind.AmdCrl => $"crl_{Request.Product}.der",
        CollateralKind.IntelTcbInfo => $"tcb_info_{Request.Fmspc?.ToLowerInvariant()}.json",
        CollateralKind.IntelQeIdentity => "td_qe_identity.json",
        CollateralKind.IntelPckCrl => $"pck_crl_{Request.Ca}.der",
        CollateralKind.IntelRootCaCrl => "root_ca_crl.der",
        CollateralKind.NvidiaRim => $"{Request.RimId}.swidtag",
        CollateralKind.NvidiaOcsp => $"ocsp_{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Request.OcspRequest ?? []))[..16]}.der",
        _ => $"{CollateralSet.KindName(Request.Kind)}_{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Body))[..16]}",
    };
}

/// <summary>Fetches vendor collateral (the network side lives in Services: <c>CollateralFetcher</c>); verification knows only this.</summary>
public interface ICollateralFetcher
{
    /// <summary>Fetches (or reads from the cache) what <paramref name="request"/> asks for.</summary>
    /// <exception cref="CollateralUnavailableException">It could not be had; the message names the URL and why.</exception>
    CollateralItem Fetch(CollateralRequest request);

    /// <summary>Everything fetched or read from the cache so far, each item with its URL and nextUpdate (what a bundle takes).</summary>
    CollateralSet Fetched { get; }
}

/// <summary>Collateral could not be fetched (not found, refused, unreachable, malformed, or --offline with no fresh cache entry).</summary>
public sealed class CollateralUnavailableException : Evidence.AttestationException
{
    /// <summary>Creates the exception.</summary>
    public CollateralUnavailableException(string message, Exception? innerException = null) : base(message, innerException!) { }

    /// <summary>The HTTP status of the answer, when there was one.</summary>
    public int? StatusCode { get; init; }
}
