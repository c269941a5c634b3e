using System.Text.Json.Nodes;
using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Platforms.Nvidia;

public sealed class NvattestCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("teewasm-nvattest-").FullName;
    private static readonly byte[] s_nonce = NvidiaVectors.Nonce(NvidiaVectors.HopperNonce);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>nvattest's output built around the real NRAS detached EAT (whose eat_nonce is the Hopper nonce).</summary>
    private static string Output(int resultCode = 0, string measres = "success", string? claimNonce = NvidiaVectors.HopperNonce)
    {
        var eat = JsonNode.Parse(File.ReadAllText(RepoPaths.Vector("jwt", "nras-gpu-detached-eat.json")));
        var claim = new JsonObject { ["measres"] = measres, ["hwmodel"] = "GH100 A01 GSP BROM", ["x-nvidia-gpu-driver-version"] = "550.90.07" };
        if (claimNonce is not null) claim["eat_nonce"] = claimNonce;
        return new JsonObject
        {
            ["result_code"] = resultCode, ["result_message"] = resultCode == 0 ? "Ok" : "GPU attestation failed",
            ["claims"] = new JsonArray(claim), ["detached_eat"] = eat,
        }.ToJsonString();
    }

    /// <summary>A fake nvattest: a shell script printing <paramref name="stdout"/> and exiting <paramref name="exit"/>; it records its arguments.</summary>
    private string Script(string stdout, int exit = 0, string stderr = "")
    {
        string json = Path.Combine(_dir, "out.json");
        File.WriteAllText(json, stdout);
        string path = Path.Combine(_dir, "nvattest");
        File.WriteAllText(path, $"#!/bin/sh\necho \"$@\" > '{_dir}/args'\ncat '{json}'\nprintf '%s' '{stderr}' >&2\nexit {exit}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [Fact]
    public void GoodOutput_IsAccepted_AndGetsOurNonce()
    {
        var result = new NvattestCli(Script(Output())).Attest(s_nonce);
        Assert.Equal("attest --device gpu --verifier local --nonce " + NvidiaVectors.HopperNonce, File.ReadAllText(Path.Combine(_dir, "args")).Trim());
        Assert.Equal("550.90.07", result.DriverVersion);
        Assert.Equal("GH100 A01 GSP BROM", result.HardwareModel);
        Assert.Equal(3, result.OverallToken.Split('.').Length);
    }

    [Fact]
    public void NonZeroResultCode_IsRejected()
    {
        var e = Assert.Throws<NvidiaAttestationException>(() => new NvattestCli(Script(Output(resultCode: 3))).Attest(s_nonce));
        Assert.Equal(NvidiaFailureReason.Nvattest, e.Reason);
        Assert.Contains("result_code 3", e.Message);
    }

    [Fact]
    public void MeasresFailure_IsRejected()
    {
        var e = Assert.Throws<NvidiaAttestationException>(() => new NvattestCli(Script(Output(measres: "fail"))).Attest(s_nonce));
        Assert.Contains("measres 'fail'", e.Message);
    }

    [Fact]
    public void OtherNonce_IsRejected()
    {
        byte[] other = new byte[32];
        var e = Assert.Throws<NvidiaAttestationException>(() => new NvattestCli(Script(Output())).Attest(other));
        Assert.Contains("not ours", e.Message);
    }

    [Fact]
    public void ExitCode_AndGarbage_AreClearErrors()
    {
        var e = Assert.Throws<NvidiaAttestationException>(() => new NvattestCli(Script("", exit: 2, stderr: "no GPU")).Attest(s_nonce));
        Assert.Contains("nvattest failed (exit 2): no GPU", e.Message);
        e = Assert.Throws<NvidiaAttestationException>(() => new NvattestCli(Script("hello")).Attest(s_nonce));
        Assert.Contains("not JSON", e.Message);
    }

    [Fact]
    public void Missing_IsNotAvailable()
    {
        var cli = new NvattestCli("nvattest-definitely-not-installed");
        Assert.False(cli.IsAvailable);
        var e = Assert.Throws<NvidiaAttestationException>(() => cli.Attest(s_nonce));
        Assert.Contains("not installed", e.Message);
    }
}
