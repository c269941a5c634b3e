using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Tokens;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Tests.Services;

/// <summary>
/// A TDX evidence source for service tests: returns <see cref="TestQuotes.TdxWithReportData"/> over the requested
/// report_data (a parseable quote whose Intel signature does not verify) and records when it was asked.
/// </summary>
internal sealed class TdxShapedEvidenceSource(List<string> events) : IVmEvidenceSource
{
    public TeeType TeeType => TeeType.IntelTdx;

    public bool Simulated => false;

    public byte[]? LastReportData { get; private set; }

    public CollectedEvidence Attest(ReadOnlySpan<byte> reportData, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> moduleHash)
    {
        lock (events) events.Add("quote");
        LastReportData = reportData.ToArray();
        byte[] quote = TestQuotes.TdxWithReportData(reportData);
        var verified = new VerifiedEvidence
        {
            Platform = TeeType.IntelTdx.ToAbiName(),
            Subject = "vm",
            Measurement = new byte[48],
            ReportData = reportData.ToArray(),
            Nonce = nonce.ToArray(),
            ModuleHash = moduleHash.ToArray(),
        };
        var appraisal = new Appraisal { Kind = "Intel TDX quote", EvidenceValid = true, Reason = "None", Message = "not verified (a test source)" };
        return new CollectedEvidence(verified, new TdxEvidence { Quote = quote, Source = "test-quote" }, appraisal);
    }
}
