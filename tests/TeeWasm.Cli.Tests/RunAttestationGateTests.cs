namespace TeeWasm.Cli.Tests;

public sealed class RunAttestationGateTests : IDisposable
{
    private const string Exit42 = """
        (module
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start") (call $exit (i32.const 42))))
        """;

    private readonly string _tmp = Directory.CreateTempSubdirectory("teewasm-gate-").FullName;

    public void Dispose() => Directory.Delete(_tmp, true);

    private string Write(string name, string content)
    {
        string path = Path.Combine(_tmp, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        return (TeeWasmCli.Run(args, o, e), o.ToString(), e.ToString());
    }

    [Fact]
    public void RequireAttestation_WithoutTee_RefusesToStartTheGuest()
    {
        var (code, _, err) = Run("run", "--no-cache", "--tee", "none", "--require-attestation", Write("g.wat", Exit42));
        Assert.Equal(1, code);
        Assert.Contains("error: attestation required but VM attestation failed: No TEE attestation available", err);
        Assert.Contains("; guest not started", err);
    }

    [Fact]
    public void WithoutRequireAttestation_TheGuestRuns() =>
        Assert.Equal(42, Run("run", "--no-cache", "--tee", "none", "--policy", Write("p.json", "{}"), Write("g.wat", Exit42)).Code);

    [Fact]
    public void PolicyWithUnknownKey_IsAUsageError()
    {
        var (code, _, err) = Run("run", "--no-cache", "--tee", "none", "--require-attestation", "--policy", Write("p.json", "{\"allow_debgu\": true}"), Write("g.wat", Exit42));
        Assert.Equal(2, code);
        Assert.Contains("allow_debgu", err);
    }

    [Fact]
    public void Simulator_NeedsAllowSimulated_ThenTheGuestRuns()
    {
        string sim = Path.Combine(_tmp, "sim");
        string guest = Write("g.wat", Exit42);
        var refused = Run("run", "--no-cache", "--tee", "simulate", "--simulator-dir", sim, "--require-attestation", guest);
        Assert.Equal(1, refused.Code);
        Assert.Contains("error: attestation required but policy refused the platform: evidence comes from the simulator", refused.Err);

        var allowed = Run("run", "--no-cache", "--tee", "simulate", "--simulator-dir", sim, "--require-attestation",
            "--policy", Write("p.json", "{\"allow_simulated\": true, \"max_evidence_age_seconds\": 60}"), guest);
        Assert.Equal(42, allowed.Code);
    }
}
