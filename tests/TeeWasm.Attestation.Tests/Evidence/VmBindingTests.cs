using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Tests.Evidence;

public sealed class VmBindingTests
{
    private static readonly byte[] s_module = SHA256.HashData("guest"u8);
    private static readonly byte[] s_key = [0x04, .. Enumerable.Range(1, 64).Select(i => (byte)i)];
    private static readonly byte[] s_nonce = [0xde, 0xad];
    private static readonly ItaVerifierNonce s_itaNonce = new(Convert.ToBase64String("nonce-val"u8), Convert.ToBase64String("2026-11-25T10:00:00Z"u8), "c2ln");

    private static string RuntimeJson(byte[] module, byte[] key, byte[] nonce) =>
        $$"""{"module_sha256":"{{Convert.ToHexStringLower(module)}}","host_key":"{{Convert.ToHexStringLower(key)}}","nonce":"{{Convert.ToHexStringLower(nonce)}}"}""";

    private static JsonElement Json(VmBinding binding, Action<JsonObject>? edit = null)
    {
        var o = JsonNode.Parse(EvidenceDocument.BindingJson(binding))!.AsObject();
        edit?.Invoke(o);
        return JsonDocument.Parse(o.ToJsonString()).RootElement;
    }

    [Fact]
    public void TeeWasm_binding_and_its_JSON_are_unchanged()
    {
        var b = VmBinding.TeeWasm(s_module, s_key, s_nonce);
        Assert.Equal(ReportDataBinding.Compute(s_module, s_key, s_nonce), b.ReportData);
        Assert.Null(b.RuntimeData);
        string expected = $$"""{"scheme":"SHA-512(module_sha256 || host_key_sec1 || nonce)","module_sha256":"{{Convert.ToHexStringLower(s_module)}}","host_key":"{{Convert.ToHexStringLower(s_key)}}","nonce":"dead"}""";
        Assert.Equal(expected, EvidenceDocument.BindingJson(b));
        Assert.Equal(EvidenceDocument.WithBinding("{}", s_module, s_key, s_nonce), EvidenceDocument.WithBinding("{}", b));
    }

    [Fact]
    public void Maa_report_data_is_SHA256_of_the_runtime_data_then_zeros()
    {
        var b = VmBinding.Maa(s_module, s_key, s_nonce);
        Assert.Equal(RuntimeJson(s_module, s_key, s_nonce), Encoding.UTF8.GetString(b.RuntimeData!));
        Assert.Equal([.. SHA256.HashData(b.RuntimeData!), .. new byte[32]], b.ReportData);
        Assert.Equal("maa", JsonNode.Parse(EvidenceDocument.BindingJson(b))!["scheme"]!.GetValue<string>());
    }

    [Fact]
    public void Ita_report_data_is_SHA512_of_val_iat_and_runtime_data()
    {
        var b = VmBinding.Ita(s_module, s_key, s_nonce, s_itaNonce);
        byte[] expected = SHA512.HashData([.. "nonce-val"u8.ToArray(), .. "2026-11-25T10:00:00Z"u8.ToArray(), .. Encoding.UTF8.GetBytes(RuntimeJson(s_module, s_key, s_nonce))]);
        Assert.Equal(expected, b.ReportData);
        Assert.Equal(s_itaNonce, b.ItaNonce);
    }

    [Theory]
    [InlineData("teewasm")]
    [InlineData("maa")]
    [InlineData("ita")]
    public void Binding_JSON_reads_back_to_the_same_report_data(string scheme)
    {
        var b = scheme switch
        {
            "maa" => VmBinding.Maa(s_module, s_key, s_nonce),
            "ita" => VmBinding.Ita(s_module, s_key, s_nonce, s_itaNonce),
            _ => VmBinding.TeeWasm(s_module, s_key, s_nonce),
        };
        var read = EvidenceDocument.ParseBinding(Json(b).GetRawText());
        Assert.Equal(b.Scheme, read.Scheme);
        Assert.Equal(b.ReportData, read.ReportData);
        Assert.Equal(b.ItaNonce, read.ItaNonce);
        Assert.True(read.Names(s_module, s_key, s_nonce, out _));
    }

    [Fact]
    public void A_changed_runtime_data_byte_changes_the_report_data()
    {
        // Still valid JSON naming the same inputs (a space added), so the binding reads, but report_data no longer matches.
        var b = VmBinding.Maa(s_module, s_key, s_nonce);
        byte[] spaced = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(b.RuntimeData!).Replace("{\"", "{ \""));
        var read = EvidenceDocument.ParseBinding(Json(b, o => o["runtime_data"] = Convert.ToBase64String(spaced)).GetRawText());
        Assert.NotEqual(b.ReportData, read.ReportData);
    }

    public static TheoryData<string, string> Rejections => new()
    {
        { "unknown-scheme", "unknown binding scheme 'sha1' (known: teewasm, maa, ita)" },
        { "other-module", "binding (maa): runtime data names another module hash than the binding" },
        { "other-key", "binding (maa): runtime data names another host key than the binding" },
        { "other-nonce", "binding (maa): runtime data names another nonce than the binding" },
        { "not-json", "binding (maa): runtime data is not JSON" },
        { "extra-key", "binding (maa): runtime data is not {module_sha256, host_key, nonce[, workload_sha256]} (hex strings)" },
        { "no-runtime-data", "binding (maa) lacks runtime_data (base64)" },
        { "no-ita-nonce", "binding (ita) lacks ita_nonce {val, iat} (base64)" },
        { "short-module", "binding module_sha256 is not 32 bytes" },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public void Malformed_or_inconsistent_bindings_are_rejected(string change, string reason)
    {
        var maa = VmBinding.Maa(s_module, s_key, s_nonce);
        byte[] otherModule = SHA256.HashData("other"u8);
        JsonElement json = change switch
        {
            "unknown-scheme" => Json(maa, o => o["scheme"] = "sha1"),
            "other-module" => Json(maa, o => o["runtime_data"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(RuntimeJson(otherModule, s_key, s_nonce)))),
            "other-key" => Json(maa, o => o["runtime_data"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(RuntimeJson(s_module, [0x04, 1], s_nonce)))),
            "other-nonce" => Json(maa, o => o["nonce"] = "beef"),
            "not-json" => Json(maa, o => o["runtime_data"] = Convert.ToBase64String("{module"u8)),
            "extra-key" => Json(maa, o => o["runtime_data"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(RuntimeJson(s_module, s_key, s_nonce).TrimEnd('}') + ",\"x\":\"00\"}"))),
            "no-runtime-data" => Json(maa, o => o.Remove("runtime_data")),
            "no-ita-nonce" => Json(VmBinding.Ita(s_module, s_key, s_nonce, s_itaNonce), o => o.Remove("ita_nonce")),
            _ => Json(VmBinding.TeeWasm(s_module, s_key, s_nonce), o => o["module_sha256"] = "00"),
        };
        var e = Assert.Throws<AttestationException>(() => EvidenceDocument.ParseBinding(json.GetRawText()));
        Assert.StartsWith(reason, e.Message);
    }

    [Fact]
    public void Expected_report_data_follows_the_evidence_scheme_and_checks_its_inputs()
    {
        var maa = VmBinding.Maa(s_module, s_key, s_nonce);
        string evidence = EvidenceDocument.WithBinding("""{"tee_type":"AMD_SEV_SNP"}""", maa);
        Assert.Equal(maa.ReportData, VmBinding.ExpectedReportData(EvidenceDocument.Parse(evidence).GetBinding(), s_module, s_key, s_nonce));
        var e = Assert.Throws<AttestationException>(() => VmBinding.ExpectedReportData(EvidenceDocument.Parse(evidence).GetBinding(), s_module, s_key, [0x01]));
        Assert.Equal("evidence binding (maa) names another nonce", e.Message);
        Assert.Equal(ReportDataBinding.Compute(s_module, s_key, s_nonce), VmBinding.ExpectedReportData(null, s_module, s_key, s_nonce));
    }
}
