using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Platforms.Nvidia;

namespace TeeWasm.Attestation.Tests.Platforms.Nvidia;

public class RimVerifierTests
{
    private static readonly DateTimeOffset s_may2025 = new(2025, 5, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset s_today = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);

    private static RimVerifier At(DateTimeOffset t) => new(new NvidiaVectors.FixedTime(t));

    private static NvidiaRim Rim(string name) => NvidiaRim.Load(NvidiaVectors.Path(name));

    [Fact]
    public void DriverRim_Parses()
    {
        var rim = Rim("rim-driver-GH100-550.144.03.xml");
        Assert.Equal("GH100", rim.Name);
        Assert.Equal("550.144.03", rim.Version);
        Assert.Equal(64, rim.Measurements.Count);
        Assert.Equal(21, rim.Measurements.Count(m => m.Active));
        Assert.Equal(4, rim.SigningChain.Count);
        Assert.Contains("HCC RIM L4 Signer", rim.SigningChain[0].Subject, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ValidDriverRim_VerifiesToday() => At(s_today).Verify(Rim("rim-driver-GH100-550.144.03.xml"));

    [Fact]
    public void BadSignature_IsRejected()
    {
        var e = Assert.Throws<NvidiaAttestationException>(() => At(s_today).Verify(Rim("rim-driver-GH100-550.144.03-bad-signature.xml")));
        Assert.Equal(NvidiaFailureReason.RimSignature, e.Reason);
    }

    [Fact]
    public void AlteredDocument_IsRejected()
    {
        string xml = NvidiaVectors.Text("rim-driver-GH100-550.144.03.xml").Replace("Measurement_1\"", "Measurement_X\"", StringComparison.Ordinal);
        var e = Assert.Throws<NvidiaAttestationException>(() => At(s_today).Verify(NvidiaRim.Parse(xml)));
        Assert.Equal(NvidiaFailureReason.RimSignature, e.Reason);
    }

    /// <summary>
    /// Found by RandomizedEvidenceTests (bytes inserted into the signature): a DigestValue that is not base64 made
    /// SignedXml.LoadXml throw FormatException out of the verifier; it is a malformed signature.
    /// </summary>
    [Fact]
    public void DigestValueThatIsNotBase64_IsAMalformedSignature()
    {
        string xml = NvidiaVectors.Text("rim-driver-GH100-550.144.03.xml")
            .Replace("<ds:DigestValue>BqNo", "<ds:DigestValue>B*No", StringComparison.Ordinal);
        var e = Assert.Throws<NvidiaAttestationException>(() => At(s_today).Verify(NvidiaRim.Parse(xml)));
        Assert.Equal(NvidiaFailureReason.RimSignature, e.Reason);
        Assert.StartsWith("RIM GH100 550.144.03: RIM signature element is malformed: ", e.Message);
    }

    [Fact]
    public void DebugRootChain_IsRejected()
    {
        var e = Assert.Throws<NvidiaAttestationException>(() => At(s_today).Verify(Rim("rim-driver-GB100-bad-chain.xml")));
        Assert.Equal(NvidiaFailureReason.RimCertificateChain, e.Reason);
        Assert.Contains("not at the pinned NVIDIA CoRIM signing Root CA", e.Message);
    }

    [Fact]
    public void DebugRootChain_SignatureItselfVerifies()
    {
        // The README's verdict: the signature verifies with its own leaf key; only the chain is wrong.
        var rim = Rim("rim-driver-GB100-bad-chain.xml");
        using var key = rim.SigningChain[0].GetECDsaPublicKey()!;
        Assert.True(RimSignature.Verify(rim.Document, key, out string? error), error);
    }

    [Fact]
    public void ExpiredRim_IsRejectedAsExpired()
    {
        var e = Assert.Throws<NvidiaAttestationException>(() => At(s_today).Verify(Rim("rim-driver-GH100-570.124.03-expired.xml")));
        Assert.Equal(NvidiaFailureReason.RimExpired, e.Reason);
        Assert.StartsWith("RIM expired", e.Message);
    }

    [Fact]
    public void ExpiredRim_InsideItsWindow_StillFailsTheDigest()
    {
        var e = Assert.Throws<NvidiaAttestationException>(() =>
            At(new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero)).Verify(Rim("rim-driver-GH100-570.124.03-expired.xml")));
        Assert.Equal(NvidiaFailureReason.RimSignature, e.Reason);
    }

    [Fact]
    public void VbiosRim_ValidIn2025_ExpiredToday()
    {
        At(s_may2025).Verify(Rim("rim-vbios-1010_0200_882_96005E0001-mismatch.xml"));
        var e = Assert.Throws<NvidiaAttestationException>(() => At(s_today).Verify(Rim("rim-vbios-1010_0200_882_96005E0001-mismatch.xml")));
        Assert.Equal(NvidiaFailureReason.RimExpired, e.Reason);
        Assert.Contains("expired", e.Message);
    }

    [Fact]
    public void VbiosRim_Against535Report_MismatchesExactlyIndex9()
    {
        var rim = Rim("rim-vbios-1010_0200_882_96005E0001-mismatch.xml");
        var report = NvidiaVectors.Report("sdk-hopper-535-report.txt");
        Assert.Equal(rim.Version, report.OpaqueData.VbiosVersion, ignoreCase: true);
        var comparison = RimVerifier.Compare(rim, report);
        Assert.Equal(12, comparison.Compared);
        RimMismatch mismatch = Assert.Single(comparison.Mismatches);
        Assert.Equal(9, mismatch.RimIndex);
        Assert.Equal(10, mismatch.BlockIndex);

        var e = Assert.Throws<NvidiaAttestationException>(() => At(s_may2025).VerifyAndCompare(rim, report));
        Assert.Equal(NvidiaFailureReason.MeasurementMismatch, e.Reason);
        Assert.Contains("RIM index 9 (measurement block 10", e.Message);
    }
}
