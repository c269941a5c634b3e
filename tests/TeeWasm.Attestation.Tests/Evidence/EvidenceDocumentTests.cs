using System.Text.Json;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Tests.Evidence;

public sealed class EvidenceDocumentTests
{
    /// <summary>
    /// Found by RandomizedEvidenceTests (a bit flip in sdk-evidence-hopper-590.json): a JSON string holding a byte that is
    /// not UTF-8 parsed, and reading the member threw InvalidOperationException ("Cannot transcode invalid UTF-8") out of
    /// <c>tee-wasm verify</c> as a stack trace. The document is now refused as not UTF-8, where it is parsed.
    /// </summary>
    [Fact]
    public void Json_that_is_not_UTF8_is_refused_when_parsed()
    {
        byte[] json = [.. "{\"evidence_list\":[{\"evidence\":\"A"u8, 0xC1, .. "\",\"certificate\":\"B\",\"arch\":\"HOPPER\"}]}"u8];

        Assert.Null(EvidenceDocument.TryParseObjects(json, out _, out string? error));
        Assert.Equal("not valid UTF-8 (byte 32)", error);
        Assert.Equal("not valid UTF-8 (byte 32)", Assert.Throws<JsonException>(() => EvidenceDocument.Parse(json)).Message);

        var e = Assert.Throws<VerificationInputException>(() => AttestationPlatforms.VerifyFile(json, new VerifyOptions()));
        Assert.Equal("malformed evidence JSON: not valid UTF-8 (byte 32)", e.Message);
    }
}
