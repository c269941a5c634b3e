using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Simulator;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Tokens;

namespace TeeWasm.Attestation.Tests.Platforms.Snp;

/// <summary>
/// The hardware SNP path of the Attester (collector → verifier → token) over a fake configfs-tsm tree whose outblob
/// is a report signed with simulator keys: the code path is the production one; only the device is faked.
/// </summary>
public sealed class SnpVmEvidenceSourceTests : IDisposable
{
    private readonly string _root = TestSupport.NewTempDir();
    private readonly SimulatorAuthority _sim = SimulatorAuthority.LoadOrCreate(TestSupport.SimulatorDirectory);
    private readonly HostAttestationKey _hostKey = HostAttestationKey.Create();
    private static readonly byte[] s_module = SHA256.HashData("module"u8);

    public void Dispose()
    {
        _sim.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private void ServeReport(byte[] reportData)
    {
        string entry = Path.Combine(_root, "entry");
        Directory.CreateDirectory(entry);
        File.WriteAllText(Path.Combine(entry, "provider"), "sev_guest\n");
        File.WriteAllBytes(Path.Combine(entry, "outblob"), new SimulatedSnpEvidenceSource(_sim).CreateReport(reportData));
        File.WriteAllBytes(Path.Combine(entry, "auxblob"), new SnpCertificateTable(
        [
            new(SnpCertificateTable.VcekGuid, _sim.Vcek.RawData),
            new(SnpCertificateTable.AskGuid, _sim.Ask.RawData),
        ]).ToArray());
    }

    private Attester AttesterWith(IReadOnlyList<X509Certificate2>? trustedRoots)
    {
        var collector = new SnpEvidenceSource(new SnpEvidenceSourceOptions { ConfigFsTsmPath = _root, EntryName = "entry", SevGuestDevicePath = "/nonexistent" });
        var options = new AttesterOptions { Probe = TestSupport.NoTeeProbe(_root) with { SevGuestDevice = "/dev/null" } };
        return new Attester(options, _hostKey,
            _ => new SnpVmEvidenceSource(collector, trustedRoots: trustedRoots), () => null) { ModuleHash = s_module };
    }

    [Fact]
    public void ReportChainingToAnUntrustedRootIsRejected()
    {
        ServeReport(ReportDataBinding.Compute(s_module, _hostKey.PublicPoint, []));
        using var attester = AttesterWith(trustedRoots: null); // AMD's roots only
        var r = attester.AttestVm();
        Assert.False(r.Success);
        Assert.StartsWith("AMD SEV-SNP attestation failed: report rejected (WrongRoot):", r.Error);
        Assert.Null(r.Token);
    }

    [Fact]
    public void ReportChainingToATrustedRootIsAcceptedAndTokenised()
    {
        ServeReport(ReportDataBinding.Compute(s_module, _hostKey.PublicPoint, []));
        using var attester = AttesterWith(trustedRoots: [_sim.Ark]);
        var r = attester.AttestVm();
        Assert.True(r.Success, r.Error);
        Assert.False(r.Simulated);
        Assert.True(attester.VerifyToken(r.Token!).Valid);
        Assert.Contains("\"source\":\"configfs-tsm\"", r.Evidence);
    }

    [Fact]
    public void ReportOverOtherReportDataIsRejected()
    {
        ServeReport(new byte[64]); // a replayed or foreign report
        using var attester = AttesterWith(trustedRoots: [_sim.Ark]);
        var r = attester.AttestVm();
        Assert.False(r.Success);
        Assert.Contains("ReportDataMismatch", r.Error);
    }

    [Fact]
    public void MissingProviderEntryIsAClearFailure()
    {
        using var attester = AttesterWith(trustedRoots: [_sim.Ark]);
        var r = attester.AttestVm();
        Assert.False(r.Success);
        Assert.StartsWith("AMD SEV-SNP attestation failed:", r.Error);
    }
}
