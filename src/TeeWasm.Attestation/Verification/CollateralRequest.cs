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

/// <summary>One piece of collateral as fetched (or read from the cache): what it is, where it came from, its bytes.</summary>
public sealed record CollateralItem
{
    /// <summary>The request it answers.</summary>
    public required CollateralRequest Request { get; init; }

    /// <summary>Where it came from (and the cache key: for OCSP the responder URL with a fragment naming the request, never sent).</summary>
    public required Uri Url { get; init; }

    /// <summary>The content: DER (certificate, CRL), PEM (chain), JSON (TCB info, QE identity) or XML (RIM).</summary>
    public required byte[] Body { get; init; }

    /// <summary>The issuer chain the vendor sent with it (Intel PCS headers, URL-decoded PEM), or null.</summary>
    public string? IssuerChainPem { get; init; }

    /// <summary>When it was fetched.</summary>
    public required DateTimeOffset FetchedAt { get; init; }

    /// <summary>When it must be fetched again (CRL/TCB info nextUpdate, certificate notAfter, a set lifetime).</summary>
    public required DateTimeOffset NextUpdate { get; init; }

    /// <summary>True when it came from the on-disk cache.</summary>
    public bool FromCache { get; init; }

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
        _ => Request.Kind.ToString(),
    };
}

/// <summary>Fetches vendor collateral (the network side lives in Services: <c>CollateralFetcher</c>); verification knows only this.</summary>
public interface ICollateralFetcher
{
    /// <summary>Fetches (or reads from the cache) what <paramref name="request"/> asks for.</summary>
    /// <exception cref="CollateralUnavailableException">It could not be had; the message names the URL and why.</exception>
    CollateralItem Fetch(CollateralRequest request);
}

/// <summary>Collateral could not be fetched (not found, refused, unreachable, malformed, or --offline with no fresh cache entry).</summary>
public sealed class CollateralUnavailableException : Evidence.AttestationException
{
    /// <summary>Creates the exception.</summary>
    public CollateralUnavailableException(string message, Exception? innerException = null) : base(message, innerException!) { }

    /// <summary>The HTTP status of the answer, when there was one.</summary>
    public int? StatusCode { get; init; }
}

/// <summary>
/// The collateral one verification fetched, as a typed set: each item with its request, URL, bytes, issuer chain and
/// freshness. It serialises to a collateral folder (<see cref="WriteFolder"/>: the files <c>--collateral</c> reads back
/// by content, plus <c>collateral.json</c> listing where each came from) — what an offline bundle is made of.
/// </summary>
public sealed class CollateralSet
{
    private readonly List<CollateralItem> _items = [];
    private readonly Lock _gate = new();

    /// <summary>The items, in the order they were fetched.</summary>
    public IReadOnlyList<CollateralItem> Items
    {
        get
        {
            lock (_gate) return [.. _items];
        }
    }

    /// <summary>Adds an item (replacing one fetched from the same URL, fragment included: it tells OCSP requests apart).</summary>
    public void Add(CollateralItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        lock (_gate)
        {
            _items.RemoveAll(i => i.Url.AbsoluteUri == item.Url.AbsoluteUri);
            _items.Add(item);
        }
    }

    /// <summary>
    /// Writes every item into <paramref name="directory"/> under its <see cref="CollateralItem.FileName"/>, each issuer
    /// chain beside it (<c>NAME.issuer_chain.pem</c>), and <c>collateral.json</c>: <c>[{kind, url, file, sha256,
    /// fetched_at, next_update, issuer_chain_file}]</c>.
    /// </summary>
    public void WriteFolder(string directory)
    {
        Directory.CreateDirectory(directory);
        using var index = new MemoryStream();
        using (var w = new Utf8JsonWriter(index, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartArray();
            foreach (CollateralItem item in Items)
            {
                File.WriteAllBytes(Path.Combine(directory, item.FileName), item.Body);
                string? chainFile = null;
                if (item.IssuerChainPem is { } pem)
                {
                    chainFile = Path.GetFileNameWithoutExtension(item.FileName) + ".issuer_chain.pem";
                    File.WriteAllText(Path.Combine(directory, chainFile), pem);
                }
                w.WriteStartObject();
                w.WriteString("kind", item.Request.Kind.ToString());
                w.WriteString("url", item.Url.ToString());
                w.WriteString("file", item.FileName);
                w.WriteString("sha256", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(item.Body)));
                w.WriteString("fetched_at", item.FetchedAt);
                w.WriteString("next_update", item.NextUpdate);
                if (chainFile is null) w.WriteNull("issuer_chain_file"); else w.WriteString("issuer_chain_file", chainFile);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        File.WriteAllText(Path.Combine(directory, IndexFileName), Encoding.UTF8.GetString(index.ToArray()));
    }

    /// <summary>The index <see cref="WriteFolder"/> writes (a collateral folder reader recognises and skips it).</summary>
    public const string IndexFileName = "collateral.json";
}
