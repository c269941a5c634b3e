using TeeWasm.Cli.CommandLine;
namespace TeeWasm.Cli.Tests;

public sealed class ServiceOptionsTests
{
    [Fact]
    public void MaaEndpointThatIsDownFailsAttestationNamingTheService()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
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
    [InlineData(new string[0], false, false)]
    [InlineData(new[] { "--imds-tdquote" }, false, true)]
    [InlineData(new[] { "--imds-vcek" }, true, false)]
    public void ImdsFlags_AreOptIn_AndMapToTheAzureVtpmOptions(string[] flags, bool vcek, bool tdQuote)
    {
        var options = new CliOptions();
        var command = new System.CommandLine.Command("attest");
        options.AddTo(command);
        var azure = options.ToAttesterOptions(command.Parse(flags));
        Assert.Equal(vcek, azure.FetchVcekFromImds);
        Assert.Equal(tdQuote, azure.FetchTdQuoteFromImds);
        Assert.Equal(new Uri("http://169.254.169.254"), azure.AzureVtpm.TdQuoteBaseUri);
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
