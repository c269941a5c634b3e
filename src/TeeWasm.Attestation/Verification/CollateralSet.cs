using System.Text;
using System.Text.Json;

namespace TeeWasm.Attestation.Verification;

/// <summary>
/// The collateral of one verification as a typed set: each item with its kind, where it came from (request and URL, or
/// the host's file or evidence), its bytes and freshness. What the fetcher fetched (<c>--save-collateral</c> writes it
/// as a folder, <see cref="WriteFolder"/>) and what an offline bundle carries (<c>attest --bundle</c>); a verifier given
/// one (<see cref="VerifyOptions.Collateral"/>) reads it by content, as it reads a <c>--collateral</c> folder.
/// </summary>
public sealed class CollateralSet
{
    private readonly List<CollateralItem> _items = [];
    private readonly Lock _gate = new();

    /// <summary>An empty set.</summary>
    public CollateralSet()
    {
    }

    /// <summary>A set of <paramref name="items"/>, in order.</summary>
    public CollateralSet(IEnumerable<CollateralItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        foreach (CollateralItem item in items) Add(item);
    }

    /// <summary>The items, in the order they were added.</summary>
    public IReadOnlyList<CollateralItem> Items
    {
        get
        {
            lock (_gate) return [.. _items];
        }
    }

    /// <summary>
    /// Adds an item; a fetched one replaces one fetched from the same URL (fragment included: it tells OCSP requests
    /// apart), a piece the host had is added as it is.
    /// </summary>
    public void Add(CollateralItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        lock (_gate)
        {
            if (item.Url is { } url) _items.RemoveAll(i => i.Url?.AbsoluteUri == url.AbsoluteUri);
            _items.Add(item);
        }
    }

    /// <summary>The pieces of one kind, in order.</summary>
    public IEnumerable<CollateralItem> Of(CollateralKind kind) => Items.Where(i => i.Kind == kind);

    /// <summary>True when the set holds a piece of <paramref name="kind"/>.</summary>
    public bool Has(CollateralKind kind) => Items.Any(i => i.Kind == kind);

    /// <summary>The pieces a GPU verifier uses (NVIDIA chains, RIMs, OCSP answers).</summary>
    public CollateralSet ForGpus() => new(Items.Where(i => IsNvidia(i.Kind)));

    /// <summary>The pieces a VM verifier uses (everything but NVIDIA's).</summary>
    public CollateralSet ForVm() => new(Items.Where(i => !IsNvidia(i.Kind)));

    private static bool IsNvidia(CollateralKind kind) => kind is CollateralKind.NvidiaCertificateChain or CollateralKind.NvidiaRim or CollateralKind.NvidiaOcsp;

    /// <summary>The name a bundle writes for <paramref name="kind"/> ("amd-vcek", "tdx-tcb-info"…).</summary>
    public static string KindName(CollateralKind kind) => kind switch
    {
        CollateralKind.AmdVcek => "amd-vcek",
        CollateralKind.AmdCertChain => "amd-cert-chain",
        CollateralKind.AmdCertificate => "amd-certificate",
        CollateralKind.AmdCrl => "amd-crl",
        CollateralKind.PckCertificate => "pck-certificate",
        CollateralKind.IntelTcbInfo => "tdx-tcb-info",
        CollateralKind.IntelQeIdentity => "tdx-qe-identity",
        CollateralKind.TcbSigningChain => "tcb-signing-chain",
        CollateralKind.IntelPckCrl => "intel-pck-crl",
        CollateralKind.IntelRootCaCrl => "intel-root-ca-crl",
        CollateralKind.IntelCrl => "intel-crl",
        CollateralKind.NvidiaCertificateChain => "nvidia-certificate-chain",
        CollateralKind.NvidiaRim => "nvidia-rim",
        CollateralKind.NvidiaOcsp => "nvidia-ocsp-response",
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
                if (item.Url is { } url) w.WriteString("url", url.ToString()); else w.WriteString("source", item.Source);
                w.WriteString("file", item.FileName);
                w.WriteString("sha256", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(item.Body)));
                w.WriteString("fetched_at", item.FetchedAt);
                if (item.NextUpdate is { } next) w.WriteString("next_update", next); else w.WriteNull("next_update");
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
