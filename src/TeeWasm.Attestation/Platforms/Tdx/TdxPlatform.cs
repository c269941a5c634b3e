using System.Buffers.Binary;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>
/// Intel TDX for verification: evidence JSON whose <c>report</c> is a TDX quote, a raw quote (v4/v5, attestation key
/// type 2, TEE type 0x81; trailing bytes ignored), and the <see cref="TdxEvidenceVerifier"/> made from <c>--collateral</c>.
/// </summary>
public sealed class TdxPlatform : EvidencePlatform
{
    /// <summary>The platform.</summary>
    public static TdxPlatform Instance { get; } = new();

    private const int MinimumHeader = 48;
    private const ushort AttestationKeyTypeEcdsaP256 = 2;
    private const uint TeeTypeTdx = 0x81;

    private TdxPlatform() { }

    /// <inheritdoc />
    public override string Name => TeeType.IntelTdx.ToAbiName();

    /// <inheritdoc />
    public override EvidenceSubject Subject => EvidenceSubject.Vm;

    /// <inheritdoc />
    public override string RawName => "TDX quote";

    /// <summary>True when <paramref name="data"/> starts like a TDX quote (version 4 or 5, ECDSA P-256 attestation key, TEE type TDX).</summary>
    public static bool IsQuote(ReadOnlySpan<byte> data) =>
        data.Length >= MinimumHeader
        && BinaryPrimitives.ReadUInt16LittleEndian(data) is 4 or 5
        && BinaryPrimitives.ReadUInt16LittleEndian(data[2..]) == AttestationKeyTypeEcdsaP256
        && BinaryPrimitives.ReadUInt32LittleEndian(data[4..]) == TeeTypeTdx;

    /// <summary>A TDX quote from a file's bytes (raw, or base64 of one); null when it holds none.</summary>
    public static byte[]? ReadQuoteFile(byte[] data)
    {
        if (IsQuote(data)) return data;
        var trimmed = data.AsSpan().Trim(" \t\r\n"u8);
        return EvidenceFileVerifier.TryBase64(trimmed, out byte[]? decoded) && IsQuote(decoded) ? decoded : null;
    }

    /// <inheritdoc />
    public override bool Recognizes(EvidenceDocument document) => document.GetBase64("report") is { } r && IsQuote(r);

    /// <inheritdoc />
    public override AttestationEvidence Read(EvidenceDocument document) => new TdxEvidence
    {
        Quote = document.GetBase64("report") ?? [],
        Source = document.Source ?? "",
        TcbStatus = TcbStatusExtensions.TryParse(document.GetObject("fields")?.GetString("tcb_status"), out var status) ? status : null,
    };

    /// <inheritdoc />
    public override AttestationEvidence? TryReadRaw(ReadOnlyMemory<byte> data) => IsQuote(data.Span) ? new TdxEvidence { Quote = data.ToArray() } : null;

    /// <summary>Trustee's <c>tdx</c> evidence (<c>{"cc_eventlog": base64 | null, "quote": base64}</c>).</summary>
    public override EvidenceFile? TryReadFile(ReadOnlyMemory<byte> data)
    {
        if (TrusteeJson(data) is not { } json || !json.TryGetProperty("quote", out var q) || q.ValueKind != System.Text.Json.JsonValueKind.String
            || json.TryGetProperty("report", out _) || json.TryGetProperty("tee_type", out _)) return null;
        byte[] quote;
        try
        {
            quote = Convert.FromBase64String(q.GetString()!);
        }
        catch (FormatException e)
        {
            throw new VerificationInputException("malformed Trustee tdx evidence: quote is not base64", e);
        }
        if (!IsQuote(quote)) throw new VerificationInputException("malformed Trustee tdx evidence: quote is not a TDX quote (v4/v5)");
        string note = json.TryGetProperty("cc_eventlog", out var log) && log.ValueKind == System.Text.Json.JsonValueKind.String
            ? "its CC event log is not replayed (RTMRs are shown as the quote states them)" : "";
        return new EvidenceFile { Kind = "Trustee tdx evidence", Platform = this, Items = [new TdxEvidence { Quote = quote, Source = "trustee" }], Note = note.Length > 0 ? note : null };
    }

    /// <inheritdoc />
    public override IEvidenceVerifier CreateVerifier(VerifyInputs inputs, EvidenceFile file)
    {
        VmInputs vm = inputs.PrepareVm();
        if (vm.TdQuoteFile is not null) throw new VerificationInputException(VmInputs.TdQuoteNotApplicable);
        TdxVerifierOptions options = Options(vm, inputs.Options);
        if (inputs.Options.Fetcher is { } fetcher && vm.Collateral is null && file.Items[0] is TdxEvidence evidence)
            options = options with { Collateral = TdxCollateralFetch.For(fetcher, evidence.Quote) };
        return new TdxEvidenceVerifier(options);
    }

    /// <summary>The TDX options of the VM inputs (collateral loaded from its folder).</summary>
    internal static TdxVerifierOptions Options(VmInputs vm, VerifyOptions options) => new()
    {
        Collateral = vm.Collateral is { } folder ? TdxCollateral.FromFolder(folder) : null,
        AllowUnverifiedCollateralSignature = options.AllowUnsignedCollateral,
    };
}
