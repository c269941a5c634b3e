using TeeWasm.Attestation.Evidence;
using TeeWasm.Runtime.Hosting;

namespace TeeWasm.Runtime.Tests.Hosting;

public sealed class DirectoryMappingTests
{
    [Theory]
    [InlineData("../data", "../data", "data")]
    [InlineData("data/", "data/", "data")]
    [InlineData(".", ".", ".")]
    [InlineData("/srv/in::/input", "/srv/in", "/input")]
    [InlineData("/srv/in::.", "/srv/in", ".")]
    public void ParsesHostAndGuest(string spec, string host, string guest) =>
        Assert.Equal(new DirectoryMapping(host, guest), DirectoryMapping.Parse(spec));

    [Theory]
    [InlineData("/srv/in::data::ro", DirectoryAccess.ReadOnly)]
    [InlineData("/srv/in::data::rw", DirectoryAccess.ReadWrite)]
    [InlineData("/srv/in::data", DirectoryAccess.ReadWrite)]
    public void ParsesTheAccess(string spec, DirectoryAccess access) =>
        Assert.Equal(new DirectoryMapping("/srv/in", "data", access), DirectoryMapping.Parse(spec));

    [Theory]
    [InlineData("")]
    [InlineData("::x")]
    [InlineData("/a::")]
    [InlineData("/a::b::x")]
    [InlineData("/a::b::ro::c")]
    public void RejectsMalformed(string spec) => Assert.Throws<FormatException>(() => DirectoryMapping.Parse(spec));
}
