using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Linux;

namespace TeeWasm.Attestation.Tests.Linux;

/// <summary>configfs-tsm requests over a plain directory laid out like the kernel's report entries.</summary>
public sealed class ConfigFsTsmReportTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tsm-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Entry(string provider, byte[] outblob, string? generation = null, byte[]? auxblob = null)
    {
        string entry = Directory.CreateDirectory(Path.Combine(_root, "e")).FullName;
        File.WriteAllText(Path.Combine(entry, "provider"), provider + "\n");
        File.WriteAllBytes(Path.Combine(entry, "outblob"), outblob);
        if (generation is not null) File.WriteAllText(Path.Combine(entry, "generation"), generation + "\n");
        if (auxblob is not null) File.WriteAllBytes(Path.Combine(entry, "auxblob"), auxblob);
        return entry;
    }

    [Fact]
    public void Writes_inblob_and_privlevel_and_reads_outblob_and_auxblob()
    {
        string entry = Entry("sev_guest", [1, 2, 3], auxblob: [9, 9]);
        var result = ConfigFsTsmReport.Request(_root, "e", ConfigFsTsmReport.SevGuestProvider, [7, 7], privilegeLevel: 1, readAuxBlob: true);
        Assert.Equal(new byte[] { 1, 2, 3 }, result.OutBlob);
        Assert.Equal(new byte[] { 9, 9 }, result.AuxBlob);
        Assert.Equal(new byte[] { 7, 7 }, File.ReadAllBytes(Path.Combine(entry, "inblob")));
        Assert.Equal("1", File.ReadAllText(Path.Combine(entry, "privlevel")));
    }

    [Fact]
    public void Empty_or_unrequested_auxblob_is_null()
    {
        Entry("tdx_guest", [1], auxblob: []);
        Assert.Null(ConfigFsTsmReport.Request(_root, "e", ConfigFsTsmReport.TdxGuestProvider, [0], readAuxBlob: true).AuxBlob);
        Assert.Null(ConfigFsTsmReport.Request(_root, "e", ConfigFsTsmReport.TdxGuestProvider, [0]).AuxBlob);
    }

    [Fact]
    public void Another_provider_is_refused_before_inblob_is_written()
    {
        string entry = Entry("tdx_guest", [1]);
        var e = Assert.Throws<AttestationException>(() => ConfigFsTsmReport.Request(_root, "e", ConfigFsTsmReport.SevGuestProvider, [0]));
        Assert.Equal("configfs-tsm provider is 'tdx_guest', not 'sev_guest'", e.Message);
        Assert.False(File.Exists(Path.Combine(entry, "inblob")));
    }

    [Fact]
    public void A_generation_that_did_not_count_exactly_our_writes_is_a_race()
    {
        // A plain file does not count writes: the kernel would have gone 5 → 7 (inblob, privlevel), so 5 means another
        // writer's change (or ours lost) — the request must not be trusted.
        Entry("sev_guest", [1], generation: "5");
        var e = Assert.Throws<AttestationException>(() => ConfigFsTsmReport.Request(_root, "e", ConfigFsTsmReport.SevGuestProvider, [0], privilegeLevel: 0));
        Assert.Contains("was changed by another writer (generation 5, expected 7)", e.Message);
    }

    [Fact]
    public void A_fresh_entry_is_removed_and_a_missing_root_is_a_clear_error()
    {
        var e = Assert.Throws<AttestationException>(() => ConfigFsTsmReport.Request(_root, null, ConfigFsTsmReport.SevGuestProvider, [0]));
        Assert.StartsWith("configfs-tsm report request in ", e.Message); // no provider file in a plain directory
        Assert.Empty(Directory.GetDirectories(_root));
        Assert.Equal($"configfs-tsm not available at {_root}/absent",
            Assert.Throws<AttestationException>(() => ConfigFsTsmReport.Request(_root + "/absent", null, "x", [0])).Message);
    }

    [Fact]
    public void Provider_probe_reads_the_provider_and_never_throws()
    {
        Assert.Null(ConfigFsTsmReport.TryReadProvider(_root + "/absent", "probe"));
        Assert.Null(ConfigFsTsmReport.TryReadProvider(_root, "probe"));
        Assert.Empty(Directory.GetDirectories(_root)); // the probe entry it made is gone
        Entry("tdx_guest", [1]);
        Assert.Equal("tdx_guest", ConfigFsTsmReport.TryReadProvider(_root, "e"));
        Assert.True(Directory.Exists(Path.Combine(_root, "e"))); // not made by the probe: left alone
    }
}
