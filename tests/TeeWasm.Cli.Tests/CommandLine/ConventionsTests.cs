using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests.CommandLine;

/// <summary>Wasmtime's conventions users already type (issue 15.5): help COMMAND, usage lines, --env NAME, --invoke, the simulate banner.</summary>
public sealed class ConventionsTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        return (TeeWasmCli.Run(args, o, e), o.ToString(), e.ToString());
    }

    [Fact]
    public void HelpCommand_PrintsWhatDashDashHelpPrints()
    {
        foreach (string[] words in ExitCodeTableTests.CommandPaths().Select(p => p.Split(' ')))
        {
            var (code, help, _) = Cli(["help", .. words]);
            Assert.Equal(0, code);
            Assert.Equal(Cli([.. words, "--help"]).Out, help);
        }
        Assert.Contains("Usage:\n  tee-wasm [command] [options]", Cli("help").Out.Replace("\r\n", "\n"));
    }

    [Fact]
    public void UsageLines_PutOptionsBeforeTheArguments()
    {
        Assert.Contains("  tee-wasm run [options] <MODULE> [<ARGS>...]\n", Cli("help", "run").Out);
        Assert.Contains("  tee-wasm kbs serve [options]\n", Cli("help", "kbs", "serve").Out);
        Assert.Contains("  tee-wasm verify [options] <FILE>\n", Cli("verify", "--help").Out);
    }

    [Fact]
    public void OptionalValues_AreShownInBrackets() =>
        Assert.Contains("--trust-simulator [DIR]", Cli("help", "verify").Out);

    [Fact]
    public void EnvWithoutValue_InheritsThisProcesssValue()
    {
        // The guest exits with the length of the value of TEEWASM_TEST_VAR (environ_sizes_get: bytes of "NAME=VALUE\0").
        string wat = GuestModules.WriteTemp("""
            (module
              (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1)
              (func (export "_start")
                i32.const 0 i32.const 4 call $sizes drop
                i32.const 4 i32.load call $exit))
            """, _dir, "env.wat");
        var env = new Dictionary<string, string> { ["TEEWASM_TEST_VAR"] = "abcdef" };
        Assert.Equal("TEEWASM_TEST_VAR=abcdef\0".Length, CliProcess.Run(env, "run", "--no-cache", "--env", "TEEWASM_TEST_VAR", wat).ExitCode);
        Assert.Equal("TEEWASM_TEST_VAR=x\0".Length, CliProcess.Run(env, "run", "--no-cache", "--env", "TEEWASM_TEST_VAR=x", wat).ExitCode);
        var (code, _, err) = CliProcess.Run("run", "--no-cache", "--env", "TEEWASM_UNSET_VAR", wat);
        Assert.Equal(0, code);
        Assert.Contains("[tee-wasm] warning: --env TEEWASM_UNSET_VAR: not set in this environment; the guest does not get it", err);
    }

    [Fact]
    public void Invoke_CallsTheExport_AndPrintsItsResults()
    {
        string wat = GuestModules.WriteTemp("""
            (module
              (memory (export "memory") 1)
              (func (export "add") (param i32 i64) (result i64) local.get 1 local.get 0 i64.extend_i32_s i64.add)
              (func (export "half") (param f64) (result f64) local.get 0 f64.const 2 f64.div))
            """, _dir, "calc.wat");
        var (code, stdout, err) = Cli("run", "--no-cache", "--invoke", "add", wat, "-2", "40");
        Assert.True(code == 0, err);
        Assert.Equal("38\n", stdout);
        Assert.Equal("1.25\n", Cli("run", "--no-cache", "--invoke", "half", wat, "2.5").Out);

        var missing = Cli("run", "--no-cache", "--invoke", "sub", wat);
        Assert.Equal(2, missing.Code);
        Assert.Equal($"error: --invoke: 'calc.wat' exports no function 'sub' (its functions: add, half)\n", missing.Err);
        var wrong = Cli("run", "--no-cache", "--invoke", "add", wat, "1");
        Assert.Equal(2, wrong.Code);
        Assert.Equal("error: --invoke: add(i32, i64) takes 2 argument(s), 1 given\n", wrong.Err);
        Assert.Equal("error: --invoke: argument 1 of half(f64), 'x', is not a number\n", Cli("run", "--no-cache", "--invoke", "half", wat, "x").Err);
    }

    [Fact]
    public void SimulateBanner_IsOneLineOnEveryCommandThatTakesIt()
    {
        const string banner = "[tee-wasm] warning: --tee simulate: attestation comes from the local simulator, not from hardware; its evidence proves nothing (development only)\n";
        Assert.Equal(banner, Cli("detect", "--tee", "simulate", "--simulator-dir", _dir.File("sim")).Err);
        Assert.DoesNotContain("simulator", Cli("detect", "--tee", "none").Err);
    }
}
