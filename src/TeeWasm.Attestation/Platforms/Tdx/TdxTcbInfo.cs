using System.Text.Json;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>One TCB level of TDX TCB info: minimum SGX components, PCESVN and TDX components, and its status.</summary>
/// <param name="SgxTcbComponents">16 SGX TCB component SVNs.</param>
/// <param name="PceSvn">Minimum PCESVN.</param>
/// <param name="TdxTcbComponents">16 TDX TCB component SVNs (compared with TEE_TCB_SVN).</param>
/// <param name="TcbDate">Date of the level.</param>
/// <param name="Status">Status of a platform at this level.</param>
/// <param name="AdvisoryIds">Intel security advisories that apply.</param>
public sealed record TdxTcbLevel(byte[] SgxTcbComponents, int PceSvn, byte[] TdxTcbComponents, DateTimeOffset TcbDate, TcbStatus Status, IReadOnlyList<string> AdvisoryIds);

/// <summary>One ISVSVN level of a TDX module identity or QE identity.</summary>
/// <param name="IsvSvn">Minimum SVN.</param>
/// <param name="TcbDate">Date of the level.</param>
/// <param name="Status">Status at this level.</param>
/// <param name="AdvisoryIds">Intel security advisories that apply.</param>
public sealed record IsvSvnTcbLevel(int IsvSvn, DateTimeOffset TcbDate, TcbStatus Status, IReadOnlyList<string> AdvisoryIds);

/// <summary>A TDX module identity ("TDX_01", …) of TCB info v3, or the plain <c>tdxModule</c> entry (no levels).</summary>
/// <param name="Id">"TDX_%02X" of the module major version; empty for <c>tdxModule</c>.</param>
/// <param name="MrSigner">Expected MRSIGNERSEAM (48 bytes).</param>
/// <param name="Attributes">Expected SEAM attributes (after the mask).</param>
/// <param name="AttributesMask">Mask applied to the SEAM attributes.</param>
/// <param name="TcbLevels">Levels, highest first.</param>
public sealed record TdxModuleIdentity(string Id, byte[] MrSigner, ulong Attributes, ulong AttributesMask, IReadOnlyList<IsvSvnTcbLevel> TcbLevels);

/// <summary>Intel PCS TDX TCB info (v3, <c>id</c> "TDX") with the exact signed bytes.</summary>
public sealed class TdxTcbInfo
{
    private TdxTcbInfo() { }

    /// <summary>Exact bytes of the <c>tcbInfo</c> value as served (what the signature covers).</summary>
    public ReadOnlyMemory<byte> SignedBody { get; private init; }

    /// <summary>ECDSA P-256 signature (r ‖ s) over <see cref="SignedBody"/> by the Intel SGX TCB Signing key.</summary>
    public ReadOnlyMemory<byte> Signature { get; private init; }

    /// <summary><c>id</c>: "TDX".</summary>
    public string Id { get; private init; } = "";

    /// <summary><c>version</c>: 3.</summary>
    public int Version { get; private init; }

    /// <summary><c>issueDate</c>.</summary>
    public DateTimeOffset IssueDate { get; private init; }

    /// <summary><c>nextUpdate</c>: after it the collateral is expired.</summary>
    public DateTimeOffset NextUpdate { get; private init; }

    /// <summary><c>fmspc</c> (lower-case hex as served).</summary>
    public string Fmspc { get; private init; } = "";

    /// <summary><c>pceId</c> (hex).</summary>
    public string PceId { get; private init; } = "";

    /// <summary><c>tcbEvaluationDataNumber</c>.</summary>
    public int TcbEvaluationDataNumber { get; private init; }

    /// <summary><c>tdxModule</c>: expected MRSIGNERSEAM / SEAM attributes when no module identity applies.</summary>
    public TdxModuleIdentity? TdxModule { get; private init; }

    /// <summary><c>tdxModuleIdentities</c> (may be empty).</summary>
    public IReadOnlyList<TdxModuleIdentity> TdxModuleIdentities { get; private init; } = [];

    /// <summary><c>tcbLevels</c>, highest first.</summary>
    public IReadOnlyList<TdxTcbLevel> TcbLevels { get; private init; } = [];

    /// <summary>Parses a PCS TCB info response (<c>{"tcbInfo":{…},"signature":"…"}</c>).</summary>
    /// <param name="json">The UTF-8 response body.</param>
    public static TdxTcbInfo Parse(ReadOnlySpan<byte> json)
    {
        (byte[] body, byte[] signature) = SignedCollateralJson.Split(json, "tcbInfo");
        return SignedCollateralJson.Wrap("tcbInfo", () =>
        {
            using JsonDocument doc = JsonDocument.Parse(body);
            JsonElement t = doc.RootElement;
            string id = t.GetProperty("id").GetString() ?? "";
            if (id != "TDX")
            {
                throw new TdxException($"tcbInfo id is \"{id}\", not \"TDX\"");
            }
            return new TdxTcbInfo
            {
                SignedBody = body,
                Signature = signature,
                Id = id,
                Version = t.GetProperty("version").GetInt32(),
                IssueDate = SignedCollateralJson.Date(t, "issueDate"),
                NextUpdate = SignedCollateralJson.Date(t, "nextUpdate"),
                Fmspc = t.GetProperty("fmspc").GetString() ?? "",
                PceId = t.GetProperty("pceId").GetString() ?? "",
                TcbEvaluationDataNumber = t.TryGetProperty("tcbEvaluationDataNumber", out JsonElement n) ? n.GetInt32() : 0,
                TdxModule = t.TryGetProperty("tdxModule", out JsonElement m) ? ParseModule(m, withLevels: false) : null,
                TdxModuleIdentities = t.TryGetProperty("tdxModuleIdentities", out JsonElement ids)
                    ? [.. ids.EnumerateArray().Select(x => ParseModule(x, withLevels: true))]
                    : [],
                TcbLevels = [.. t.GetProperty("tcbLevels").EnumerateArray().Select(ParseLevel)],
            };
        });
    }

    private static TdxModuleIdentity ParseModule(JsonElement m, bool withLevels) => new(
        withLevels ? m.GetProperty("id").GetString() ?? "" : "",
        SignedCollateralJson.Hex(m, "mrsigner", 48),
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(SignedCollateralJson.Hex(m, "attributes", 8)),
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(SignedCollateralJson.Hex(m, "attributesMask", 8)),
        withLevels ? [.. m.GetProperty("tcbLevels").EnumerateArray().Select(ParseIsvLevel)] : []);

    internal static IsvSvnTcbLevel ParseIsvLevel(JsonElement l) => new(
        l.GetProperty("tcb").GetProperty("isvsvn").GetInt32(),
        SignedCollateralJson.Date(l, "tcbDate"),
        SignedCollateralJson.Status(l),
        SignedCollateralJson.Advisories(l));

    private static TdxTcbLevel ParseLevel(JsonElement l)
    {
        JsonElement tcb = l.GetProperty("tcb");
        return new TdxTcbLevel(
            Components(tcb, "sgxtcbcomponents"),
            tcb.GetProperty("pcesvn").GetInt32(),
            Components(tcb, "tdxtcbcomponents"),
            SignedCollateralJson.Date(l, "tcbDate"),
            SignedCollateralJson.Status(l),
            SignedCollateralJson.Advisories(l));
    }

    private static byte[] Components(JsonElement tcb, string name)
    {
        byte[] svns = [.. tcb.GetProperty(name).EnumerateArray().Select(c => checked((byte)c.GetProperty("svn").GetInt32()))];
        return svns.Length == 16 ? svns : throw new TdxException($"tcbInfo {name} has {svns.Length} entries, expected 16");
    }
}
