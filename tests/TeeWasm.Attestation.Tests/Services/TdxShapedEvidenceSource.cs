using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Tokens;

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
        return new CollectedEvidence(verified, EvidenceJson.Write("TDX", "test-quote", false, quote, [], _ => { }));
    }
}
