using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Platforms.Snp;

public sealed class SnpEvidenceSourceTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tsm-report-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string MakeEntry(string provider, byte[] outblob, byte[]? auxblob)
    {
        string entry = Path.Combine(_root, "e1");
        Directory.CreateDirectory(entry);
        File.WriteAllText(Path.Combine(entry, "provider"), provider + "\n");
        File.WriteAllBytes(Path.Combine(entry, "outblob"), outblob);
        if (auxblob is not null) File.WriteAllBytes(Path.Combine(entry, "auxblob"), auxblob);
        return entry;
    }

    private static byte[] Table() => new SnpCertificateTable(
    [
        new(SnpCertificateTable.VcekGuid, File.ReadAllBytes(RepoPaths.Vector("snp", "vcek.testcer"))),
        new(SnpCertificateTable.AskGuid, SnpVectors.Chain("amd-root-ask_ark_milan.pem")[0].RawData),
        new(SnpCertificateTable.ArkGuid, SnpVectors.Chain("amd-root-ask_ark_milan.pem")[1].RawData),
    ]).ToArray();

    [Fact]
    public void ConfigFsRoundTripOnFakeTree()
    {
        string entry = MakeEntry("sev_guest", SnpVectors.MilanReport, Table());
        var source = new SnpEvidenceSource(new SnpEvidenceSourceOptions { ConfigFsTsmPath = _root, EntryName = "e1", PrivilegeLevel = 2, SevGuestDevicePath = "/nonexistent" });
        Assert.True(source.IsAvailable);

        SnpGuestReport evidence = source.GetEvidence([1, 2, 3, 4, 5]);

        Assert.Equal("configfs-tsm", evidence.Source);
        Assert.Equal(SnpVectors.MilanReport, evidence.Report);
        byte[] inblob = File.ReadAllBytes(Path.Combine(entry, "inblob"));
        Assert.Equal(64, inblob.Length);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, inblob[..5]);
        Assert.Equal("2", File.ReadAllText(Path.Combine(entry, "privlevel")));
        Assert.True(Directory.Exists(entry)); // not created by the call: left alone

        Assert.NotNull(evidence.Certificates);
        var verdict = new SnpVerifier().Verify(evidence.Report, new SnpVerificationOptions
        {
            Certificates = evidence.Certificates.GetCertificates(),
            VerificationTime = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero), // inside the VCEK's 2022-09-24..2029-09-24
        });
        Assert.True(verdict.IsValid, verdict.ToString());
    }

    [Fact]
    public void WrongProviderIsRejected()
    {
        MakeEntry("tdx_guest", SnpVectors.MilanReport, null);
        var source = new SnpEvidenceSource(new SnpEvidenceSourceOptions { ConfigFsTsmPath = _root, EntryName = "e1" });
        var ex = Assert.Throws<SnpException>(() => source.GetEvidence([]));
        Assert.Contains("tdx_guest", ex.Message);
    }

    [Fact]
    public void ShortOutblobIsRejected()
    {
        MakeEntry("sev_guest", new byte[100], null);
        var source = new SnpEvidenceSource(new SnpEvidenceSourceOptions { ConfigFsTsmPath = _root, EntryName = "e1" });
        Assert.Contains("100 bytes", Assert.Throws<SnpException>(() => source.GetEvidence([])).Message);
    }

    [Fact]
    public void MissingProviderInNewEntryIsAClearErrorAndEntryIsRemoved()
    {
        var source = new SnpEvidenceSource(new SnpEvidenceSourceOptions { ConfigFsTsmPath = _root });
        var ex = Assert.Throws<SnpException>(() => source.GetEvidence([]));
        Assert.Contains("configfs-tsm", ex.Message);
        // The entry it made held only inblob, so rmdir could not remove it on a plain directory; nothing else is there.
        Assert.All(Directory.GetDirectories(_root), d => Assert.Equal(["inblob"], Directory.GetFiles(d).Select(Path.GetFileName)));
    }

    [Fact]
    public void ReportDataOver64BytesIsRejected()
    {
        var source = new SnpEvidenceSource(new SnpEvidenceSourceOptions { ConfigFsTsmPath = _root });
        Assert.Throws<ArgumentException>(() => source.GetEvidence(new byte[65]));
    }

    [Fact]
    public void NoSourceIsAClearError()
    {
        var source = new SnpEvidenceSource(new SnpEvidenceSourceOptions { ConfigFsTsmPath = "/nonexistent/tsm", SevGuestDevicePath = "/nonexistent/sev-guest" });
        Assert.False(source.IsAvailable);
        var ex = Assert.Throws<SnpException>(() => source.GetEvidence([]));
        Assert.Contains("/nonexistent/sev-guest", ex.Message);
    }

    [Fact]
    public void MissingDeviceIsAClearError()
    {
        var source = new SnpEvidenceSource(new SnpEvidenceSourceOptions { SevGuestDevicePath = Path.Combine(_root, "sev-guest") });
        Assert.Throws<SnpException>(() => source.GetEvidenceFromDevice([]));
    }
}

public class SnpCertificateTableTests
{
    [Fact]
    public void BuiltTableParses()
    {
        byte[] a = [1, 2, 3], b = [4, 5, 6, 7];
        var unknown = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        byte[] bytes = new SnpCertificateTable([new(SnpCertificateTable.VlekGuid, a), new(unknown, b)]).ToArray();
        Assert.Equal(3 * SnpCertificateTable.EntrySize + 7, bytes.Length);
        // GUIDs are stored in RFC 4122 (string) byte order.
        Assert.Equal(Convert.FromHexString("a8074bc2a25a483eaae639c045a0b8a1"), bytes[..16]);

        SnpCertificateTable t = SnpCertificateTable.Parse(bytes);
        Assert.Equal(2, t.Entries.Count);
        Assert.Equal(a, t.Vlek);
        Assert.Null(t.Vcek);
        Assert.Equal(b, t.Find(unknown));
    }

    [Fact]
    public void ParsesTableWithPaddingAfterData()
    {
        byte[] bytes = new SnpCertificateTable([new(SnpCertificateTable.ArkGuid, [9, 9])]).ToArray();
        byte[] page = new byte[4096];
        bytes.CopyTo(page, 0);
        Assert.Equal([9, 9], SnpCertificateTable.Parse(page).Ark!);
    }

    [Fact]
    public void OutOfRangeEntryIsRejected()
    {
        byte[] bytes = new SnpCertificateTable([new(SnpCertificateTable.AskGuid, [1, 2, 3])]).ToArray();
        bytes[20] = 200; // length
        Assert.Contains("outside", Assert.Throws<SnpException>(() => SnpCertificateTable.Parse(bytes)).Message);
        Assert.False(SnpCertificateTable.TryParse(bytes, out _));
    }

    [Fact]
    public void MissingTerminatorIsRejected()
    {
        byte[] bytes = new SnpCertificateTable([new(SnpCertificateTable.AskGuid, [])]).ToArray();
        Assert.Throws<SnpException>(() => SnpCertificateTable.Parse(bytes.AsSpan(0, 30)));
        Assert.Throws<SnpException>(() => SnpCertificateTable.Parse([]));
    }
}
