using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Simulator;
using TeeWasm.Attestation.Tests;

using TeeWasm.KeyBroker.Appraisers;

namespace TeeWasm.KeyBroker.Tests.Appraisers;

/// <summary>The broker's appraisal of evidence made with a service binding (maa, ita): what the Attester produces when a VM token service is configured.</summary>
public sealed class EvidenceAppraiserBindingTests
{
    private static readonly Lazy<SimulatorAuthority> s_authority = new(() => SimulatorAuthority.LoadOrCreate(TestSupport.SimulatorDirectory));
    private static readonly byte[] s_module = SHA256.HashData("guest"u8);
    private static readonly byte[] s_key = [0x04, .. Enumerable.Range(1, 64).Select(i => (byte)i)];
    private static readonly byte[] s_nonce = SHA256.HashData("challenge"u8);

    private static AppraisalOptions Options => new() { SimulatorRoot = s_authority.Value.Ark };

    private static VmBinding Bind(string scheme) => scheme == "ita"
        ? VmBinding.Ita(s_module, s_key, s_nonce, new ItaVerifierNonce(Convert.ToBase64String("val"u8), Convert.ToBase64String("iat"u8), ""))
        : VmBinding.Maa(s_module, s_key, s_nonce);

    // What Attester.AttestVm does with a service's binding: a (simulated) report over its report_data, the binding recorded.
    private static string Evidence(VmBinding binding, Action<JsonObject>? edit = null)
    {
        var collected = new SimulatedSnpEvidenceSource(s_authority.Value).Attest(binding.ReportData, binding.Nonce, binding.ModuleHash);
        var node = JsonNode.Parse(EvidenceDocument.Write(collected.Evidence with { Binding = binding }))!.AsObject();
        edit?.Invoke(node["binding"]!.AsObject());
        return node.ToJsonString();
    }

    private static string RuntimeData(byte[] module) => Convert.ToBase64String(BindingRuntimeData.Write(module, s_key, s_nonce));

    [Theory]
    [InlineData("maa")]
    [InlineData("ita")]
    public void Service_bound_evidence_is_accepted(string scheme)
    {
        var appraised = new EvidenceAppraiser(Options).Appraise(Evidence(Bind(scheme)), s_nonce);
        Assert.True(appraised.Simulated);
        Assert.Equal(Convert.ToHexStringLower(s_module), appraised.ModuleHash);
    }

    [Theory]
    [InlineData("maa")]
    [InlineData("ita")]
    public void Changed_runtime_data_byte_is_rejected(string scheme)
    {
        // Same inputs, one byte more (a space): parses, but its hash is not the report's report_data.
        string spaced = Encoding.UTF8.GetString(Bind(scheme).RuntimeData!).Replace("{\"", "{ \"");
        string evidence = Evidence(Bind(scheme), b => b["runtime_data"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(spaced)));
        var e = Assert.Throws<AttestationException>(() => new EvidenceAppraiser(Options).Appraise(evidence, s_nonce));
        Assert.Equal("SNP report rejected (ReportDataMismatch): REPORT_DATA differs from the expected value", e.Message);
    }

    [Theory]
    [InlineData("maa")]
    [InlineData("ita")]
    public void Different_module_hash_is_rejected(string scheme)
    {
        // Binding and runtime data consistently name another module: the report was not made for it.
        byte[] other = SHA256.HashData("other"u8);
        string evidence = Evidence(Bind(scheme), b => { b["module_sha256"] = Convert.ToHexStringLower(other); b["runtime_data"] = RuntimeData(other); });
        var e = Assert.Throws<AttestationException>(() => new EvidenceAppraiser(Options).Appraise(evidence, s_nonce));
        Assert.Equal("SNP report rejected (ReportDataMismatch): REPORT_DATA differs from the expected value", e.Message);
    }

    [Fact]
    public void Runtime_data_naming_another_module_than_the_binding_is_rejected()
    {
        string evidence = Evidence(Bind("maa"), b => b["runtime_data"] = RuntimeData(SHA256.HashData("other"u8)));
        var e = Assert.Throws<AttestationException>(() => new EvidenceAppraiser(Options).Appraise(evidence, s_nonce));
        Assert.Equal("binding (maa): runtime data names another module hash than the binding", e.Message);
    }

    [Theory]
    [InlineData("maa")]
    [InlineData("ita")]
    public void Wrong_nonce_is_rejected(string scheme)
    {
        var e = Assert.Throws<AttestationException>(() => new EvidenceAppraiser(Options).Appraise(Evidence(Bind(scheme)), SHA256.HashData("other challenge"u8)));
        Assert.Equal("evidence is not bound to this challenge and TEE key (stale, replayed, or for another key)", e.Message);
    }

    [Fact]
    public void Unknown_scheme_is_rejected()
    {
        string evidence = Evidence(Bind("maa"), b => b["scheme"] = "sha256-plain");
        var e = Assert.Throws<AttestationException>(() => new EvidenceAppraiser(Options).Appraise(evidence, s_nonce));
        Assert.Equal("unknown binding scheme 'sha256-plain' (known: teewasm, maa, ita)", e.Message);
    }
}
