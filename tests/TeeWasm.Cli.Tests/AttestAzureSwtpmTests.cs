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

    private void ProvisionConstellationHcl()
    {
        byte[] report = File.ReadAllBytes(RepoPaths.Vector("azure", "constellation-azure-snp-report+igvm-header.bin"))[..SnpReport.Size];
        byte[] claims = File.ReadAllBytes(RepoPaths.Vector("azure", "constellation-azure-snp-runtimedata.json"));
        _tpm.ProvisionHcl(HclReport.Build(HclReportType.Snp, report, claims, totalSize: HclReport.RuntimeClaimsOffset + claims.Length));
    }

    /// <summary>
    /// Without --vm-cert the VCEK comes from the Azure IMDS (a loopback stand-in, --imds-url): detect says so, and
    /// attestation gets past the report's signature and chain (to AMD's real ARK) to the quote, as with --vm-cert.
    /// </summary>
    [Fact]
    public void OnAnAzureCvm_TheVcekComesFromTheImdsByDefault_AndDetectSaysSo()
    {
        ProvisionConstellationHcl();
        using var imds = new FakeImdsThim(File.ReadAllText(RepoPaths.Vector("azure", "constellation-azure-vcek.pem")), "");
        string[] common = ["--tpm-socket", _tpm.SocketPath, "--imds-url", imds.Uri.ToString()];

        var o = new StringWriter();
        Assert.Equal(0, TeeWasmCli.Run(["detect", .. common], o, new StringWriter()));
        Assert.Matches($@"VCEK: +the Azure IMDS \({System.Text.RegularExpressions.Regex.Escape(imds.Endpoint)}\): SEV-VCEK \(valid \d{{4}}-\d\d-\d\d to \d{{4}}-\d\d-\d\d\)
", o.ToString());

        var e = new StringWriter();
        Assert.Equal(1, TeeWasmCli.Run(["attest", "vm", .. common], new StringWriter(), e));
        Assert.Contains("quote signature does not verify with the attestation key", e.ToString());
        Assert.Equal(2, imds.Requests);
    }

    [Fact]
    public void NoImdsVcek_KeepsTheHostOffTheImds_AndDetectSaysThereIsNoVcek()
    {
        ProvisionConstellationHcl();
        using var imds = new FakeImdsThim(File.ReadAllText(RepoPaths.Vector("azure", "constellation-azure-vcek.pem")), "");
        string[] common = ["--tpm-socket", _tpm.SocketPath, "--imds-url", imds.Uri.ToString(), "--no-imds-vcek"];

        var o = new StringWriter();
        Assert.Equal(0, TeeWasmCli.Run(["detect", .. common], o, new StringWriter()));
        Assert.Contains("VCEK:                 none: no VCEK file (--vm-cert) and the Azure IMDS is off", o.ToString());

        Assert.Equal(1, TeeWasmCli.Run(["attest", "vm", .. common], new StringWriter(), new StringWriter()));
        Assert.Equal(0, imds.Requests); // (that an Azure CVM without a VCEK fails closed: SwtpmAttesterTests)
    }

    [Fact]
    public void AVmCertFile_IsWhatDetectNames()
    {
        ProvisionConstellationHcl();
        string vcek = RepoPaths.Vector("azure", "constellation-azure-vcek.pem");
        var o = new StringWriter();
        Assert.Equal(0, TeeWasmCli.Run(["detect", "--tpm-socket", _tpm.SocketPath, "--vm-cert", vcek], o, new StringWriter()));
        Assert.Contains($"VCEK:                 certificate file(s) {vcek}: SEV-VCEK (valid ", o.ToString());
    }
}
