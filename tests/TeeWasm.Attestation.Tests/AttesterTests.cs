using System.Security.Cryptography;
using System.Text.Json;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Simulator;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Tests;

public sealed class AttesterTests
{
    private static readonly byte[] s_module = SHA256.HashData("a guest module"u8);

    [Fact]
    public void SimulatedVmAttestationIsVerifiedBoundAndSaysSimulated()
    {
        using var attester = new Attester(TestSupport.Simulate()) { ModuleHash = s_module };
        byte[] nonce = [1, 2, 3, 4];
        var result = attester.AttestVm(nonce);

        Assert.True(result.Success, result.Error);
        Assert.True(result.Simulated);
        Assert.Equal("AMD SEV-SNP", result.TeeType);
        using var json = JsonDocument.Parse(result.ToJson());
        Assert.Equal(["success", "token", "evidence", "error", "timestamp", "tee_type", "simulated"],
            json.RootElement.EnumerateObject().Select(p => p.Name));

        // The evidence carries a byte-exact SNP report whose report_data binds module, host key and nonce.
        using var evidence = JsonDocument.Parse(result.Evidence!);
        byte[] report = Convert.FromBase64String(evidence.RootElement.GetProperty("report").GetString()!);
        Assert.Equal(SnpReport.Size, report.Length);
        var parsed = SnpReport.Parse(report);
        Assert.Equal(ReportDataBinding.Compute(s_module, attester.HostKey.PublicPoint, nonce), parsed.ReportData);
        Assert.Equal(3u, parsed.Version);
        Assert.False(parsed.DebugAllowed);
        Assert.Equal(Convert.ToHexStringLower(nonce), evidence.RootElement.GetProperty("binding").GetProperty("nonce").GetString());

        var verdict = attester.VerifyToken(result.Token!);
        Assert.True(verdict.Valid, verdict.Reason);
        using var claims = JsonDocument.Parse(verdict.ClaimsJson!);
        Assert.True(claims.RootElement.GetProperty("simulated").GetBoolean());
        Assert.Equal(Convert.ToHexStringLower(s_module), claims.RootElement.GetProperty("module_hash").GetString());
    }

    [Fact]
    public void SimulatedReportDoesNotVerifyAgainstAmdRoots()
    {
        using var attester = new Attester(TestSupport.Simulate());
        var result = attester.AttestVm();
        using var evidence = JsonDocument.Parse(result.Evidence!);
        byte[] report = Convert.FromBase64String(evidence.RootElement.GetProperty("report").GetString()!);
        var certs = evidence.RootElement.GetProperty("certificates").EnumerateArray()
            .SelectMany(c => CertificateLoader.Load(c.GetString()!.AsSpan())).ToArray();
        var verdict = new SnpVerifier().Verify(report, new SnpVerificationOptions { Certificates = certs });
        Assert.False(verdict.IsValid);
        Assert.Equal(SnpFailureReason.WrongRoot, verdict.Reason);
    }

    [Fact]
    public void GpuAttestationHonoursTheIndexAndRejectsOutOfRange()
    {
        using var attester = new Attester(TestSupport.Simulate());
        var gpu1 = attester.AttestGpu(1);
        Assert.True(gpu1.Success, gpu1.Error);
        using (var evidence = JsonDocument.Parse(gpu1.Evidence!))
            Assert.Equal(1, evidence.RootElement.GetProperty("fields").GetProperty("gpu_index").GetInt32());
        Assert.True(attester.VerifyToken(gpu1.Token!).Valid);

        var gpu2 = attester.AttestGpu(2);
        Assert.False(gpu2.Success);
        Assert.Equal("GPU index 2 out of range: 2 GPU(s) present", gpu2.Error);
        Assert.Equal("GPU index -1 out of range: 2 GPU(s) present", attester.AttestGpu(-1).Error);
    }

    [Fact]
    public void ResultsAreCachedPerNonceUntilClearCache()
    {
        using var attester = new Attester(TestSupport.Simulate());
        var first = attester.AttestVm([9]);
        Assert.Same(first, attester.AttestVm([9]));
        Assert.NotEqual(first.Token, attester.AttestVm([8]).Token);
        attester.ClearCache();
        Assert.NotSame(first, attester.AttestVm([9]));
    }

    [Fact]
    public void SimulatorMaterialIsReadOnceForVmAndGpuAndKeptAcrossClearCache()
    {
        _ = SimulatorAuthority.LoadOrCreate(TestSupport.SimulatorDirectory); // make the shared material if needed
        string dir = TestSupport.NewTempDir();
        foreach (string f in Directory.GetFiles(TestSupport.SimulatorDirectory, "*.pem")) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        using var attester = new Attester(TestSupport.Simulate() with { SimulatorDirectory = dir });
        Assert.True(attester.AttestVm([1]).Success);

        // Were the material read again (GPU source, or after clear_cache), it would be made anew in the emptied
        // directory and the attester's reports would chain to another root than its first one.
        Directory.Delete(dir, recursive: true);
        attester.ClearCache();
        Assert.True(attester.AttestVm([1]).Success);
        Assert.True(attester.AttestGpu(0).Success);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void CachedResultsExpireWithTheirTokens()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var attester = new Attester(TestSupport.Simulate(clock) with { TokenLifetime = TimeSpan.FromMinutes(5) });
        var first = attester.AttestVm();
        clock.Advance(TimeSpan.FromMinutes(4.9));
        Assert.NotSame(first, attester.AttestVm()); // within 30 s of expiry: re-attest
    }

    [Fact]
    public void NoneModeNeverAttests()
    {
        using var attester = new Attester(new AttesterOptions { Mode = AttestationMode.None });
        Assert.Equal(AttestationResult.NoTeeError, attester.AttestVm().Error);
        Assert.Equal(TeeType.None, attester.DetectTee().Type);
        Assert.False(attester.AttestGpu(0).Success);
    }

    [Fact]
    public void AutoModeWithoutTeeGivesTheNoTeeResult()
    {
        string dir = TestSupport.NewTempDir();
        using var attester = new Attester(new AttesterOptions { Probe = TestSupport.NoTeeProbe(dir) });
        var r = attester.AttestVm();
        Assert.False(r.Success);
        Assert.Equal(AttestationResult.NoTeeError, r.Error);
        Assert.Null(r.TeeType);
        Assert.Equal("{\"success\":false,\"token\":null,\"evidence\":null,\"error\":\"" + AttestationResult.NoTeeError + "\",\"timestamp\":" + r.Timestamp + "}", r.ToJson());
    }

    [Fact]
    public void NonceLongerThan64BytesIsRefused()
    {
        using var attester = new Attester(TestSupport.Simulate());
        Assert.Equal("nonce is 65 bytes; at most 64 allowed", attester.AttestVm(new byte[65]).Error);
    }
}
