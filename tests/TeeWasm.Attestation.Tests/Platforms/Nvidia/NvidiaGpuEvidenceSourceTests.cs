using System.Security.Cryptography;
using System.Text.Json;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Attestation.Services.Nras;
using TeeWasm.Attestation.Tests.Services.Nras;
using TeeWasm.Attestation.Tokens;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Tests.Platforms.Nvidia;

[Collection(FakeNvmlCollection.Name)]
public sealed class NvidiaGpuEvidenceSourceTests(FakeNvmlFixture fake) : IDisposable
{
    private static readonly byte[] s_hopperNonce = NvidiaVectors.Nonce(NvidiaVectors.HopperNonce);
    private readonly string _dir = Directory.CreateTempSubdirectory("teewasm-nv-source-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private NvidiaGpuEvidenceSource Source(Func<NvidiaGpuEvidenceSourceOptions, NvidiaGpuEvidenceSourceOptions>? configure = null)
    {
        var options = new NvidiaGpuEvidenceSourceOptions { NvmlLibrary = fake.LibraryPath, RemoteVerifier = null, NvattestExecutable = "nvattest-not-here" };
        return new NvidiaGpuEvidenceSource(configure is null ? options : configure(options));
    }

    [Fact]
    public void RealHopperReport_ThroughFakeNvml_IsVerified()
    {
        fake.ServeHopper(gpus: 2);
        var source = Source();
        Assert.True(source.UsesNvml);
        Assert.Equal(2, source.GpuCount);
        CollectedEvidence collected = source.Attest(1, s_hopperNonce, [1, 2, 3], new byte[32]);

        var v = collected.Verified;
        Assert.Equal("NVIDIA GPU", v.Platform);
        Assert.Equal("gpu", v.Subject);
        Assert.Equal(1, v.GpuIndex);
        Assert.Equal(s_hopperNonce, v.ReportData);
        Assert.Equal(new byte[] { 1, 2, 3 }, v.Nonce);
        Assert.Equal(48, v.Measurement.Length);
        Assert.Equal(NvidiaVectors.Report("hopperAttestationReport.txt").ComputeMeasurementDigest(), v.Measurement);
        Assert.Contains("FWID matches", v.VerifierNote);
        Assert.Contains("not appraised", v.VerifierNote);

        using var json = JsonDocument.Parse(collected.EvidenceJson);
        var root = json.RootElement;
        Assert.Equal("550.90.07", root.GetProperty("report").GetProperty("opaque_driver_version").GetString());
        Assert.Equal("96.00.9f.00.01", root.GetProperty("report").GetProperty("opaque_vbios_version").GetString());
        Assert.Equal("on", root.GetProperty("cc").GetProperty("mode").GetString());
        Assert.StartsWith("GPU-fa4e0000", root.GetProperty("uuid").GetString());
        Assert.Equal(4117, Convert.FromBase64String(root.GetProperty("report").GetProperty("spdm_base64").GetString()!).Length);
        Assert.Contains("BEGIN CERTIFICATE", root.GetProperty("certificates_pem").GetString());
        Assert.Equal("match", root.GetProperty("verdict").GetProperty("nonce").GetString());
    }

    [Fact]
    public void OutOfRangeIndex_IsAClearError()
    {
        fake.ServeHopper(gpus: 1);
        var e = Assert.Throws<NvidiaAttestationException>(() => Source().Attest(1, s_hopperNonce, [], new byte[32]));
        Assert.Equal(NvidiaFailureReason.GpuIndexOutOfRange, e.Reason);
        Assert.Contains("GPU index 1 out of range: 1 GPU(s)", e.Message);
    }

    [Fact]
    public void ReportOverAnotherNonce_IsRejected()
    {
        fake.ServeHopper();
        var e = Assert.Throws<NvidiaAttestationException>(() => Source().Attest(0, new byte[32], [], new byte[32]));
        Assert.Equal(NvidiaFailureReason.NonceMismatch, e.Reason);
    }

    [Fact]
    public void CcOff_IsAClearError()
    {
        fake.ServeHopper(extra: [("FAKE_NVML_FAIL", "cc_off")]);
        var e = Assert.Throws<NvidiaAttestationException>(() => Source().Attest(0, s_hopperNonce, [], new byte[32]));
        Assert.Equal(NvidiaFailureReason.ConfidentialComputingOff, e.Reason);
    }

    [Fact]
    public void NoNvml_NoNvattest_NoSource()
    {
        var e = Assert.Throws<NvidiaAttestationException>(() =>
            new NvidiaGpuEvidenceSource(new NvidiaGpuEvidenceSourceOptions { NvmlLibrary = "/nonexistent/libnvidia-ml.so.1", NvattestExecutable = "nvattest-not-here", RemoteVerifier = null }));
        Assert.Contains("could not be loaded", e.Message);
        Assert.Null(NvidiaGpuEvidenceSource.TryCreate(new NvidiaGpuEvidenceSourceOptions { NvmlLibrary = "/nonexistent/libnvidia-ml.so.1" }));
    }

    [Fact]
    public void Auto_mode_reports_why_an_installed_nvml_fails_instead_of_no_gpu()
    {
        fake.ServeHopper(extra: [("FAKE_NVML_FAIL", "init")]);
        var options = new AttesterOptions { Probe = new() { NvmlLibrary = fake.LibraryPath } };
        var e = Assert.Throws<NvidiaAttestationException>(() => NvidiaGpuEvidenceSource.TryCreate(new NvidiaGpuEvidenceSourceOptions { NvmlLibrary = options.Probe.NvmlLibrary }));
        Assert.Contains("nvmlInit_v2", e.Message);

        using var attester = new Attester(options, null, _ => null, null);
        var result = attester.AttestGpu(0);
        Assert.False(result.Success);
        Assert.StartsWith("GPU attestation failed: ", result.Error);
        Assert.Contains("nvmlInit_v2 failed", result.Error); // not "no NVIDIA GPU found"
        Assert.Equal(0, attester.GpuCount());
    }

    [Fact]
    public void VbiosRim_Mismatch_NamesTheIndex()
    {
        fake.Configure(("FAKE_NVML_REPORT", NvidiaVectors.Path("sdk-hopper-535-report.txt")), ("FAKE_NVML_CERTS", NvidiaVectors.Path("sdk-hopper-535-certchain.txt")));
        File.Copy(NvidiaVectors.Path("rim-vbios-1010_0200_882_96005E0001-mismatch.xml"), Path.Combine(_dir, "vbios.xml"));
        var source = Source(o => o with { RimDirectory = _dir, Time = new NvidiaVectors.FixedTime(new DateTimeOffset(2025, 5, 1, 0, 0, 0, TimeSpan.Zero)) });
        byte[] nonce = NvidiaVectors.Nonce("27a328247bf7935c993341cf587be6f05986ccce4fe7ba2c54100bd616a58f66");
        var e = Assert.Throws<NvidiaAttestationException>(() => source.Attest(0, nonce, [], new byte[32]));
        Assert.Equal(NvidiaFailureReason.MeasurementMismatch, e.Reason);
        Assert.Contains("RIM index 9 (measurement block 10", e.Message);

        var strict = Source(o => o with { RimDirectory = Directory.CreateTempSubdirectory("teewasm-empty-").FullName, RequireRims = true });
        var e2 = Assert.Throws<NvidiaAttestationException>(() => strict.Attest(0, nonce, [], new byte[32]));
        Assert.Equal(NvidiaFailureReason.RimNotAvailable, e2.Reason);
        Assert.Contains("RIM not available for driver 535.86.09", e2.Message);
    }

    [Fact]
    public void FwidMismatch_IsRejected()
    {
        var report = NvidiaVectors.Report("hopperAttestationReport.txt");
        byte[] wrongFwid = report.OpaqueData.Fwid!.ToArray();
        wrongFwid[0] ^= 0xFF;
        using var pki = new TestGpuPki(wrongFwid);
        var e = Assert.Throws<NvidiaAttestationException>(() =>
            new GpuReportVerifier(root: pki.Root).Verify(GpuAttestationReport.Parse(pki.Resign(report, s_hopperNonce)), pki.ChainPem, s_hopperNonce));
        Assert.Equal(NvidiaFailureReason.FwidMismatch, e.Reason);
    }

    [Fact]
    public void Attester_AttestGpu_EndToEnd_ThroughFakeNvml()
    {
        var report = NvidiaVectors.Report("hopperAttestationReport.txt");
        using var pki = new TestGpuPki(report.OpaqueData.Fwid);
        using var hostKey = HostAttestationKey.Create();
        byte[] moduleHash = SHA256.HashData("module"u8);
        byte[] nonce = "relying-party-nonce"u8.ToArray();
        byte[] expected32 = ReportDataBinding.Compute(moduleHash, hostKey.PublicPoint, nonce)[..32];
        string reportPath = Path.Combine(_dir, "report.bin"), certsPath = Path.Combine(_dir, "certs.pem");
        File.WriteAllBytes(reportPath, pki.Resign(report, expected32));
        File.WriteAllText(certsPath, pki.ChainPem);
        fake.Configure(("FAKE_NVML_REPORT", reportPath), ("FAKE_NVML_CERTS", certsPath), ("FAKE_NVML_GPUS", "1"));

        var source = Source(o => o with { DeviceRoot = pki.Root });
        using var attester = new Attester(new AttesterOptions(), hostKey, _ => null, () => source) { ModuleHash = moduleHash };
        AttestationResult result = attester.AttestGpu(0, nonce);
        Assert.True(result.Success, result.Error);
        Assert.Equal("NVIDIA GPU", result.TeeType);
        // The token is signed by the host key; its report_data is the 32-byte GPU nonce (the first half of the binding),
        // which the validator on main accepts for GPU tokens.
        var verdict = attester.VerifyToken(result.Token!);
        Assert.True(verdict.Valid, verdict.Reason);
        using var claims = JsonDocument.Parse(verdict.ClaimsJson!);
        Assert.Equal(Convert.ToHexStringLower(expected32), claims.RootElement.GetProperty("report_data").GetString()!.ToLowerInvariant());
        Assert.Equal(0, claims.RootElement.GetProperty("gpu_index").GetInt32());
        using var evidence = JsonDocument.Parse(result.Evidence!);
        Assert.Equal(Convert.ToHexStringLower(expected32), evidence.RootElement.GetProperty("nonce").GetString());

        AttestationResult outOfRange = attester.AttestGpu(3, nonce);
        Assert.False(outOfRange.Success);
        Assert.Contains("out of range", outOfRange.Error);
    }

    [Fact]
    public void Nras_WhenConfigured_AddsItsVerifiedVerdict()
    {
        using var server = new FakeNrasServer();
        fake.ServeHopper();
        var source = Source(o => o with
        {
            RemoteVerifier = new NrasClient(new NrasOptions { Endpoint = server.Endpoint, JwksUrl = server.JwksUrl, Issuer = FakeNrasServer.Issuer, ApiKey = "k", Time = o.Time }),
        });
        CollectedEvidence collected = source.Attest(0, s_hopperNonce, [], new byte[32]);
        Assert.Contains("NRAS verdict verified", collected.Verified.VerifierNote);
        using var json = JsonDocument.Parse(collected.EvidenceJson);
        Assert.Equal(3, json.RootElement.GetProperty("verdict").GetProperty("nras").GetProperty("overall_token").GetString()!.Split('.').Length);

        server.Measres = "fail";
        var e = Assert.Throws<NvidiaAttestationException>(() => source.Attest(0, s_hopperNonce, [], new byte[32]));
        Assert.Equal(NvidiaFailureReason.NrasRefused, e.Reason);
    }

    private NvidiaGpuEvidenceSource WithNras(FakeNrasServer server, RemoteGpuVerification mode, Func<NvidiaGpuEvidenceSourceOptions, NvidiaGpuEvidenceSourceOptions>? more = null) =>
        Source(o => (more ?? (x => x))(o with
        {
            RemoteVerifier = new NrasClient(new NrasOptions
            {
                Endpoint = server.Endpoint, JwksUrl = server.JwksUrl, Issuer = FakeNrasServer.Issuer, ApiKey = "k", Time = o.Time, MaxAttempts = 1,
            }),
            RemoteMode = mode,
        }));

    [Fact]
    public void Nras_Preferred_GivingNoVerdict_LocalVerificationDecides()
    {
        using var server = new FakeNrasServer { StatusCode = 503 };
        fake.ServeHopper();
        CollectedEvidence collected = WithNras(server, RemoteGpuVerification.Prefer).Attest(0, s_hopperNonce, [], new byte[32]);
        Assert.Equal(1, server.AttestCalls); // asked first
        Assert.Contains($"; NRAS gave no verdict (NRAS attestation service at {server.Endpoint} is unavailable after 1 attempt(s): HTTP 503", collected.Verified.VerifierNote);
        Assert.EndsWith("): verified locally; measurements not appraised (no RIM folder configured)", collected.Verified.VerifierNote);
        Assert.StartsWith("SPDM measurement report signed by", collected.Verified.VerifierNote); // the local verifier's note comes first
    }

    [Fact]
    public void Nras_Preferred_AnAnswerThatDoesNotVerify_LocalVerificationDecides()
    {
        using var server = new FakeNrasServer { SignWithOtherKey = true };
        fake.ServeHopper();
        CollectedEvidence collected = WithNras(server, RemoteGpuVerification.Prefer).Attest(0, s_hopperNonce, [], new byte[32]);
        Assert.Contains("NRAS gave no verdict (NRAS overall token signature does not verify", collected.Verified.VerifierNote);
    }

    [Fact]
    public void Nras_Preferred_ItsVerifiedNoIsFinal()
    {
        using var server = new FakeNrasServer { OverallResult = false };
        fake.ServeHopper();
        var e = Assert.Throws<NvidiaAttestationException>(() => WithNras(server, RemoteGpuVerification.Prefer).Attest(0, s_hopperNonce, [], new byte[32]));
        Assert.Equal(NvidiaFailureReason.NrasRefused, e.Reason);
        Assert.Contains("overall attestation result is false", e.Message);
    }

    [Fact]
    public void Nras_Required_GivingNoVerdict_Fails()
    {
        using var server = new FakeNrasServer { StatusCode = 503 };
        fake.ServeHopper();
        var e = Assert.Throws<NvidiaAttestationException>(() => WithNras(server, RemoteGpuVerification.Require).Attest(0, s_hopperNonce, [], new byte[32]));
        Assert.Equal(NvidiaFailureReason.Nras, e.Reason);
        Assert.Contains("unavailable after 1 attempt(s): HTTP 503", e.Message);
    }

    [Fact]
    public void Nras_Preferred_APositiveVerdictCoversARimMissingHere_WithoutOneTheRimIsRequired()
    {
        string empty = Directory.CreateTempSubdirectory("teewasm-norims-").FullName;
        using var server = new FakeNrasServer();
        fake.ServeHopper();
        var source = WithNras(server, RemoteGpuVerification.Prefer, o => o with { RimDirectory = empty, RequireRims = true });
        CollectedEvidence collected = source.Attest(0, s_hopperNonce, [], new byte[32]);
        Assert.Contains("NRAS verdict verified", collected.Verified.VerifierNote);
        Assert.Contains("RIM not available for driver", collected.Verified.VerifierNote);

        server.StatusCode = 503;
        var e = Assert.Throws<NvidiaAttestationException>(() => source.Attest(0, s_hopperNonce, [], new byte[32]));
        Assert.Equal(NvidiaFailureReason.RimNotAvailable, e.Reason);
        Directory.Delete(empty);
    }
}
