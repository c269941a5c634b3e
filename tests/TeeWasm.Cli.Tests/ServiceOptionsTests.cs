using TeeWasm.Cli.CommandLine;
using TeeWasm.Tests.Shared;
namespace TeeWasm.Cli.Tests;

public sealed class ServiceOptionsTests
{
    [Fact]
    public void MaaEndpointThatIsDownFailsAttestationNamingTheService()
    {
        using var closed = new ClosedPort();
        int port = closed.Port;
        var (code, _, stderr) = CliProcess.Run("attest", "vm", "--tee", "simulate", "--maa-endpoint", $"http://127.0.0.1:{port}", "--service-timeout", "2");
        Assert.Equal(1, code);
        Assert.Contains($"Azure Attestation (MAA) at http://127.0.0.1:{port}: attest: cannot connect", stderr);
    }

    [Theory]
    [InlineData("--maa-endpoint", "http://127.0.0.1:1", "--ita-endpoint", "http://127.0.0.1:2", "exclude each other")]
    [InlineData("--ita-endpoint", "http://127.0.0.1:2", "--tee", "simulate", "needs an API key")]
    [InlineData("--maa-endpoint", "http://maa.example.com", "--tee", "simulate", "must use https")]
    public void BadServiceFlagsAreClearErrors(string a, string b, string c, string d, string expected)
    {
        var (code, _, stderr) = CliProcess.Run("attest", "vm", a, b, c, d);
        Assert.NotEqual(0, code);
        Assert.Contains(expected, stderr);
    }

    [Theory]
    [InlineData(new string[0], true, false)]                    // the VCEK from the IMDS by default on an Azure CVM
    [InlineData(new[] { "--imds-tdquote" }, true, true)]
    [InlineData(new[] { "--imds-vcek" }, true, false)]          // the old opt-in, still accepted
    [InlineData(new[] { "--no-imds-vcek" }, false, false)]
    public void ImdsFlags_VcekByDefault_TdQuoteOptIn(string[] flags, bool vcek, bool tdQuote)
    {
        var options = new CliOptions();
        var command = new System.CommandLine.Command("attest");
        options.AddTo(command);
        var azure = options.ToAttesterOptions(command.Parse(flags));
        Assert.Equal(vcek, azure.FetchVcekFromImds);
        Assert.Equal(tdQuote, azure.FetchTdQuoteFromImds);
        Assert.Null(azure.ImdsAddress);
        Assert.Equal(new Uri("http://169.254.169.254"), azure.AzureVtpm.TdQuoteBaseUri);
        Assert.Equal("http://169.254.169.254/metadata/THIM/amd/certification", azure.AzureVtpm.ImdsEndpoint);
    }

    [Fact]
    public void ImdsUrl_MovesTheImds_AndBothVcekFlagsExcludeEachOther()
    {
        var options = new CliOptions();
        var command = new System.CommandLine.Command("attest");
        options.AddTo(command);
        Assert.Equal(new Uri("http://127.0.0.1:8080"), options.ToAttesterOptions(command.Parse(["--imds-url", "http://127.0.0.1:8080"])).ImdsAddress);
        var both = Assert.Throws<UsageException>(() => options.ToAttesterOptions(command.Parse(["--imds-vcek", "--no-imds-vcek"])));
        Assert.Equal("--imds-vcek and --no-imds-vcek exclude each other", both.Message);
        Assert.Throws<UsageException>(() => options.ToAttesterOptions(command.Parse(["--imds-url", "169.254.169.254"])));
    }

    [Theory]
    [InlineData(new string[0], false, null)]
    [InlineData(new string[0], true, Attestation.Verification.RemoteGpuVerification.Prefer)]            // ATTESTATION_PREFER_NRAS=1
    [InlineData(new[] { "--nras", "prefer" }, false, Attestation.Verification.RemoteGpuVerification.Prefer)]
    [InlineData(new[] { "--nras", "require" }, false, Attestation.Verification.RemoteGpuVerification.Require)]  // the strict mode
    [InlineData(new[] { "--nras", "require" }, true, Attestation.Verification.RemoteGpuVerification.Require)]
    [InlineData(new[] { "--nras", "off" }, true, null)]
    public void Nras_IsOff_PreferredWithTheOriginalsVariable_OrChosen(string[] flags, bool variable, Attestation.Verification.RemoteGpuVerification? expected)
    {
        var options = new CliOptions();
        var command = new System.CommandLine.Command("attest");
        options.AddTo(command);
        Assert.Equal(expected, options.NrasMode(command.Parse(flags), variable));
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("0", false)]
    [InlineData("yes", false)]
    [InlineData(null, false)]
    public void ThePreferNrasVariable_IsReadAsTheOriginalReadIt(string? value, bool on) =>
        Assert.Equal(on, Attestation.Services.Nras.NrasOptions.IsPreferNras(value));

    [Fact]
    public void UnknownNrasMode_IsAUsageError()
    {
        var (code, _, stderr) = CliProcess.Run("attest", "gpu", "--tee", "simulate", "--nras", "sometimes");
        Assert.Equal(2, code);
        Assert.Contains("sometimes", stderr);
    }

    [Theory]
    [InlineData(new string[0], Attestation.Services.Ita.ItaApiVersion.V2)]
    [InlineData(new[] { "--ita-api-version", "v2" }, Attestation.Services.Ita.ItaApiVersion.V2)]
    [InlineData(new[] { "--ita-api-version", "v1" }, Attestation.Services.Ita.ItaApiVersion.V1)]
    public void ItaApiVersion_DefaultsToV2_AndV1CanBeChosen(string[] flags, Attestation.Services.Ita.ItaApiVersion expected)
    {
        var options = new CliOptions();
        var command = new System.CommandLine.Command("attest");
        options.AddTo(command);
        using var client = (Attestation.Services.Ita.ItaClient)options.ToVmTokenService(
            command.Parse([.. flags, "--ita-endpoint", "http://127.0.0.1:2", "--ita-api-key", "k"]))!;
        Assert.Equal(expected, client.ApiVersion);
    }

    [Fact]
    public void UnknownItaApiVersion_IsAClearError()
    {
        var (code, _, stderr) = CliProcess.Run("attest", "vm", "--tee", "simulate", "--ita-endpoint", "http://127.0.0.1:2", "--ita-api-key", "k", "--ita-api-version", "v3");
        Assert.NotEqual(0, code);
        Assert.Contains("--ita-api-version 'v3': expected v1 or v2", stderr);
    }

    [Theory]
    [InlineData(new string[0], false)]
    [InlineData(new[] { "--maa-endpoint", "https://x.attest.azure.net" }, false)]
    [InlineData(new[] { "--ita-endpoint", "http://127.0.0.1:2", "--ita-api-key", "k" }, true)]
    public void OnlyItaWritesTheHclUserData(string[] flags, bool expected)
    {
        var options = new CliOptions();
        var command = new System.CommandLine.Command("attest");
        options.AddTo(command);
        var attester = options.ToAttesterOptions(command.Parse(flags));
        (attester.VmTokenService as IDisposable)?.Dispose();
        Assert.Equal(expected, attester.WritesHclUserData);
    }
}
