using System.Buffers.Binary;
using System.Text.Json;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>Intel PCS QE identity (<c>enclaveIdentity</c> v2, id "TD_QE") with the exact signed bytes.</summary>
public sealed class TdxQeIdentity
{
    private TdxQeIdentity() { }

    /// <summary>Exact bytes of the <c>enclaveIdentity</c> value as served (what the signature covers).</summary>
    public ReadOnlyMemory<byte> SignedBody { get; private init; }

    /// <summary>ECDSA P-256 signature (r ‖ s) over <see cref="SignedBody"/> by the Intel SGX TCB Signing key.</summary>
    public ReadOnlyMemory<byte> Signature { get; private init; }

    /// <summary><c>id</c>: "TD_QE" (or "QE" for SGX).</summary>
    public string Id { get; private init; } = "";

    /// <summary><c>version</c>.</summary>
    public int Version { get; private init; }

    /// <summary><c>issueDate</c>.</summary>
    public DateTimeOffset IssueDate { get; private init; }

    /// <summary><c>nextUpdate</c>: after it the collateral is expired.</summary>
    public DateTimeOffset NextUpdate { get; private init; }

    /// <summary><c>miscselect</c>.</summary>
    public uint MiscSelect { get; private init; }

    /// <summary><c>miscselectMask</c>.</summary>
    public uint MiscSelectMask { get; private init; }

    /// <summary><c>attributes</c> (16 bytes).</summary>
    public ReadOnlyMemory<byte> Attributes { get; private init; }

    /// <summary><c>attributesMask</c> (16 bytes).</summary>
    public ReadOnlyMemory<byte> AttributesMask { get; private init; }

    /// <summary><c>mrsigner</c> (32 bytes).</summary>
    public ReadOnlyMemory<byte> MrSigner { get; private init; }

    /// <summary><c>isvprodid</c>.</summary>
    public int IsvProdId { get; private init; }

    /// <summary><c>tcbLevels</c>, highest first.</summary>
    public IReadOnlyList<IsvSvnTcbLevel> TcbLevels { get; private init; } = [];

    /// <summary>Parses a PCS QE identity response (<c>{"enclaveIdentity":{…},"signature":"…"}</c>).</summary>
    /// <param name="json">The UTF-8 response body.</param>
    public static TdxQeIdentity Parse(ReadOnlySpan<byte> json)
    {
        (byte[] body, byte[] signature) = SignedCollateralJson.Split(json, "enclaveIdentity");
        return SignedCollateralJson.Wrap("enclaveIdentity", () =>
        {
            using JsonDocument doc = JsonDocument.Parse(body);
            JsonElement e = doc.RootElement;
            return new TdxQeIdentity
            {
                SignedBody = body,
                Signature = signature,
                Id = e.GetProperty("id").GetString() ?? "",
                Version = e.GetProperty("version").GetInt32(),
                IssueDate = SignedCollateralJson.Date(e, "issueDate"),
                NextUpdate = SignedCollateralJson.Date(e, "nextUpdate"),
                MiscSelect = BinaryPrimitives.ReadUInt32BigEndian(SignedCollateralJson.Hex(e, "miscselect", 4)),
                MiscSelectMask = BinaryPrimitives.ReadUInt32BigEndian(SignedCollateralJson.Hex(e, "miscselectMask", 4)),
                Attributes = SignedCollateralJson.Hex(e, "attributes", 16),
                AttributesMask = SignedCollateralJson.Hex(e, "attributesMask", 16),
                MrSigner = SignedCollateralJson.Hex(e, "mrsigner", 32),
                IsvProdId = e.GetProperty("isvprodid").GetInt32(),
                TcbLevels = [.. e.GetProperty("tcbLevels").EnumerateArray().Select(TdxTcbInfo.ParseIsvLevel)],
            };
        });
    }

    /// <summary>
    /// Checks a QE report against this identity (MRSIGNER, ISVPRODID, masked MISCSELECT and ATTRIBUTES) and returns
    /// the status of the first level whose ISVSVN the QE meets, or null with <paramref name="error"/> set.
    /// </summary>
    /// <param name="qeReport">The QE report from the quote.</param>
    /// <param name="error">Why the QE does not match, when the result is null.</param>
    public IsvSvnTcbLevel? Evaluate(SgxReportBody qeReport, out string? error)
    {
        if (!qeReport.MrSigner.Span.SequenceEqual(MrSigner.Span))
        {
            error = $"QE MRSIGNER {Convert.ToHexString(qeReport.MrSigner.Span)} differs from the QE identity's {Convert.ToHexString(MrSigner.Span)}";
            return null;
        }
        if (qeReport.IsvProdId != IsvProdId)
        {
            error = $"QE ISVPRODID {qeReport.IsvProdId} differs from the QE identity's {IsvProdId}";
            return null;
        }
        // MISCSELECT is a little-endian u32 in the report; the JSON writes it as big-endian hex.
        if ((qeReport.MiscSelect & MiscSelectMask) != MiscSelect)
        {
            error = $"QE MISCSELECT 0x{qeReport.MiscSelect:X8} under mask 0x{MiscSelectMask:X8} differs from 0x{MiscSelect:X8}";
            return null;
        }
        ReadOnlySpan<byte> attributes = qeReport.Attributes.Span;
        for (int i = 0; i < attributes.Length; i++)
        {
            if ((attributes[i] & AttributesMask.Span[i]) != Attributes.Span[i])
            {
                error = $"QE ATTRIBUTES {Convert.ToHexString(attributes)} under mask differ from the QE identity's {Convert.ToHexString(Attributes.Span)}";
                return null;
            }
        }
        foreach (IsvSvnTcbLevel level in TcbLevels)
        {
            if (qeReport.IsvSvn >= level.IsvSvn)
            {
                error = null;
                return level;
            }
        }
        error = $"QE ISVSVN {qeReport.IsvSvn} is below every QE identity TCB level";
        return null;
    }
}
