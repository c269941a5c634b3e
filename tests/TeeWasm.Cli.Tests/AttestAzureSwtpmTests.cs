using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Tests.Platforms.AzureVtpm;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests;

/// <summary>
/// <c>tee-wasm attest vm --tpm-socket</c> on a swtpm holding the real Azure (constellation) SNP report and runtime claims:
/// detection, NV read, VCEK from --vcek, TPM quote. The claims' HCLAkPub is Azure's AK, not the swtpm's, so the quote
/// must be refused — which shows the AK really comes from the hardware-bound claims.
/// </summary>
public sealed class AttestAzureSwtpmTests : IDisposable
{
    private readonly Swtpm _tpm = new();

    public void Dispose() => _tpm.Dispose();

    [Fact]
    public void AttestVm_OnSwtpmWithForeignAk_IsRefusedAtTheQuote()
    {
        byte[] report = File.ReadAllBytes(RepoPaths.Vector("azure", "constellation-azure-snp-report+igvm-header.bin"))[..SnpReport.Size];
        byte[] claims = File.ReadAllBytes(RepoPaths.Vector("azure", "constellation-azure-snp-runtimedata.json"));
        _tpm.ProvisionHcl(HclReport.Build(HclReportType.Snp, report, claims, totalSize: HclReport.RuntimeClaimsOffset + claims.Length));

        var o = new StringWriter();
        var e = new StringWriter();
        int code = TeeWasmCli.Run(["attest", "vm", "--tpm-socket", _tpm.SocketPath,
            "--vm-cert", RepoPaths.Vector("azure", "constellation-azure-vcek.pem")], o, e);

        Assert.Equal(1, code);
        Assert.Contains("\"tee_type\": \"AMD SEV-SNP\"", o.ToString());
        Assert.Contains("quote signature does not verify with the attestation key", e.ToString());
    }
}
