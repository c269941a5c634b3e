using System.Security.Cryptography;
using System.Text.Json.Nodes;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Tests.Evidence;

/// <summary>The binding of a launch (scheme teewasm-workload) and the workload in the service schemes' runtime data.</summary>
public sealed class WorkloadBindingTests
{
    private static readonly byte[] s_key = [0x04, .. new byte[64]];
    private static readonly byte[] s_nonce = [1, 2, 3];

    [Fact]
    public void TheLaunchBinding_IsTheLabelledHash_AndReadsBack()
    {
        WorkloadIdentity w = WorkloadIdentityTests.Trainer();
        VmBinding b = VmBinding.TeeWasm(w.ModuleSha256, s_key, s_nonce, w);
        Assert.Equal(BindingScheme.TeeWasmWorkload, b.Scheme);
        Assert.Equal(SHA512.HashData([.. "tee-wasm/workload/v1"u8, .. w.ModuleSha256, .. s_key, .. w.Digest, .. s_nonce]), b.ReportData);
        Assert.NotEqual(ReportDataBinding.Compute(w.ModuleSha256, s_key, s_nonce), b.ReportData);

        VmBinding back = EvidenceDocument.ParseBinding(EvidenceDocument.BindingJson(b));
        Assert.Equal(b.ReportData, back.ReportData);
        Assert.Equal(w.DigestHex, back.Workload!.DigestHex);
    }

    [Theory]
    [InlineData("document", "binding's workload document does not hash to its workload_sha256 (the document was changed)")]
    [InlineData("scheme", "binding scheme teewasm binds no workload, but the binding names one (scheme teewasm-workload does)")]
    [InlineData("module", "binding's workload document names another module than its module_sha256")]
    [InlineData("digest", "binding (teewasm-workload) lacks workload_sha256 (hex)")]
    public void AChangedLaunchBinding_IsRejected(string change, string reason)
    {
        WorkloadIdentity w = WorkloadIdentityTests.Trainer();
        JsonNode b = JsonNode.Parse(EvidenceDocument.BindingJson(VmBinding.TeeWasm(w.ModuleSha256, s_key, s_nonce, w)))!;
        switch (change)
        {
            case "document": b["workload"]!["wasi"]!["env"]![0]!["value"] = "20"; break;
            case "scheme": b["scheme"] = BindingSchemeNames.TeeWasm; break;
            case "module":
                string other = Convert.ToHexStringLower(SHA256.HashData("other"u8));
                b["module_sha256"] = other;
                break;
            case "digest": b.AsObject().Remove("workload_sha256"); b.AsObject().Remove("workload"); break;
        }
        Assert.Equal(reason, Assert.Throws<AttestationException>(() => EvidenceDocument.ParseBinding(b.ToJsonString())).Message);
    }

    [Fact]
    public void TheServiceSchemes_NameTheWorkloadInTheirRuntimeData()
    {
        WorkloadIdentity w = WorkloadIdentityTests.Trainer();
        VmBinding maa = VmBinding.Maa(w.ModuleSha256, s_key, s_nonce, w);
        Assert.EndsWith($",\"workload_sha256\":\"{w.DigestHex}\"}}", System.Text.Encoding.UTF8.GetString(maa.RuntimeData!));
        Assert.Equal(maa.ReportData, EvidenceDocument.ParseBinding(EvidenceDocument.BindingJson(maa)).ReportData);

        JsonNode b = JsonNode.Parse(EvidenceDocument.BindingJson(maa))!;
        b["runtime_data"] = Convert.ToBase64String(BindingRuntimeData.Write(w.ModuleSha256, s_key, s_nonce));
        Assert.Equal("binding (maa): runtime data names another workload than the binding",
            Assert.Throws<AttestationException>(() => EvidenceDocument.ParseBinding(b.ToJsonString())).Message);
    }

    [Fact]
    public void AWorkloadOfAnotherModule_CannotBeBound() =>
        Assert.Throws<ArgumentException>(() => VmBinding.TeeWasm(SHA256.HashData("other"u8), s_key, s_nonce, WorkloadIdentityTests.Trainer()));
}
