using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests.CommandLine;

/// <summary>Every error is one line in the user's words, with "did you mean" for commands, options, values and policy keys (docs/cli.md, "Errors").</summary>
public sealed class ErrorMessageTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Ok => GuestModules.WriteTemp("(module (memory (export \"memory\") 1) (func (export \"_start\")))", _dir, "ok.wat");

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        return (TeeWasmCli.Run(args, o, e), o.ToString(), e.ToString());
    }

    private static void AssertOneLine(int expectedCode, string expectedLine, (int Code, string Out, string Err) result)
    {
        Assert.Equal(expectedCode, result.Code);
        Assert.Equal("error: " + expectedLine + "\n", result.Err.Replace("\r\n", "\n"));
    }

    [Fact]
    public void MisspeltCommand_SuggestsTheCommand() =>
        AssertOneLine(2, "unknown command 'rn'; did you mean 'run'? (usage: tee-wasm help)", Cli("rn", "x"));

    [Fact]
    public void UnknownCommand_WithNothingClose_ListsTheCommands() =>
        Assert.Contains("unknown command 'frobnicate'; commands: run, compile, cache,", Cli("frobnicate").Err);

    [Fact]
    public void MisspeltOption_BeforeTheModule_IsAnUnknownOption_NotTheModule() =>
        AssertOneLine(2, "unknown option '--dirr'; did you mean '--dir'? (usage: tee-wasm help run)", Cli("run", "--dirr", "x", "g.wasm"));

    [Fact]
    public void MisspeltSubcommandOption_SuggestsFromThatCommand() =>
        AssertOneLine(2, "unknown option '--secret'; did you mean '--secrets'? (usage: tee-wasm help kbs serve)", Cli("kbs", "serve", "--secret", "x"));

    [Fact]
    public void NumberOption_WithText_SaysWhatIsExpected() =>
        AssertOneLine(2, "--fuel 'abc': expected a whole number, 0 or more (usage: tee-wasm help run)", Cli("run", "--fuel", "abc", "g.wasm"));

    [Fact]
    public void ChoiceOption_WithAnotherValue_ListsTheChoices_AndSuggests() =>
        AssertOneLine(2, "--tee 'simulat': expected auto, none or simulate; did you mean 'simulate'? (usage: tee-wasm help detect)", Cli("detect", "--tee", "simulat"));

    [Fact]
    public void MissingArgument_IsNamed() =>
        AssertOneLine(2, "missing FILE (usage: tee-wasm help verify)", Cli("verify"));

    [Fact]
    public void CommandGroup_WithoutCommand_ListsItsCommands() =>
        AssertOneLine(2, "'tee-wasm kbs' needs a command: serve, get, keygen or encrypt (usage: tee-wasm help kbs)", Cli("kbs"));

    [Fact]
    public void MissingModule_IsAUsageError_NamingIt()
    {
        string missing = Path.Combine(_dir.Path, "nosuch.wasm");
        AssertOneLine(2, $"module file '{missing}' not found (usage: tee-wasm help run)", Cli("run", missing));
    }

    [Fact]
    public void MissingDirDirectory_IsAUsageError() =>
        AssertOneLine(2, "--dir: directory 'no-such-dir' not found (usage: tee-wasm help run)", Cli("run", "--dir", "no-such-dir::data", Ok));

    [Fact]
    public void PolicyKeyTypo_SaysDidYouMean_WithoutDotNetTypes()
    {
        string policy = _dir.File("policy.json");
        File.WriteAllText(policy, "{\"allow_debgu\": true}");
        AssertOneLine(2, $"--policy: {policy}: unknown key 'allow_debgu' (line 1); did you mean 'allow_debug'?", Cli("run", "--policy", policy, Ok));
    }

    [Fact]
    public void NestedPolicyKeyTypo_IsDotted()
    {
        string policy = _dir.File("policy.json");
        File.WriteAllText(policy, "{\"snp\": {\"max_vmp\": 0}}");
        Assert.Contains("unknown key 'snp.max_vmp' (line 1); did you mean 'snp.max_vmpl'?", Cli("run", "--policy", policy, Ok).Err);
    }

    [Fact]
    public void PolicyValueOfTheWrongKind_SaysWhatIsExpected()
    {
        string policy = _dir.File("policy.json");
        File.WriteAllText(policy, "{\n  \"allow_debug\": \"yes\"\n}");
        AssertOneLine(2, $"--policy: {policy}: allow_debug: expected true or false (line 2)", Cli("run", "--policy", policy, Ok));
    }

    [Fact]
    public void BrokerPolicyKeyTypo_SaysDidYouMean()
    {
        string policy = _dir.File("policy.json");
        File.WriteAllText(policy, "{\"default\": {\"allow_debgu\": true}}");
        Directory.CreateDirectory(_dir.File("secrets"));
        var (code, _, err) = Cli("kbs", "serve", "--secrets", _dir.File("secrets"), "--policy", policy);
        Assert.Equal(2, code);
        Assert.Contains("unknown key 'default.allow_debgu'", err);
        Assert.Contains("did you mean 'default.allow_debug'?", err);
        Assert.DoesNotContain("TeeWasm.", err);
    }

    [Fact]
    public void EncryptToAMissingDirectory_MakesIt()
    {
        // Before: "Could not find a part of the path …"; kbs encrypt makes --out's directory (issue 15.6).
        File.WriteAllBytes(_dir.File("k"), new byte[32]);
        File.WriteAllText(_dir.File("plain"), "x");
        string output = Path.Combine(_dir.Path, "enc", "x.enc");
        var (code, _, err) = Cli("kbs", "encrypt", "--key-file", _dir.File("k"), "--in", _dir.File("plain"), "--out", output);
        Assert.True(code == 0, err);
        Assert.True(File.Exists(output));
    }

    [Fact]
    public void WatSyntaxError_GivesFileLineColumn()
    {
        string wat = GuestModules.WriteTemp("(module\n  (func (export \"_start\")\n    i32.const 1\n    i32.bogus\n    drop))", _dir, "broken.wat");
        AssertOneLine(2, $"{wat}:4:5: unknown operator or unexpected token", Cli("run", "--no-cache", wat));
    }

    [Fact]
    public void ValidationError_GivesTheFunctionAndTheReason()
    {
        string wat = GuestModules.WriteTemp("(module\n  (func (export \"_start\")\n    i64.const 1\n    drop\n    i32.add))", _dir, "invalid.wat");
        AssertOneLine(2, $"'{wat}' is not a valid WebAssembly module: function 0: type mismatch: expected i32 but nothing on stack (at offset 38)", Cli("run", "--no-cache", wat));
    }

    [Fact]
    public void TextFileAsModule_SaysItIsNoModule()
    {
        string file = _dir.File("notes.wasm");
        File.WriteAllText(file, "(module)");
        AssertOneLine(2, $"'{file}' is not a WebAssembly module: it does not start with the \\0asm header (it looks like WebAssembly text: name it .wat)", Cli("run", "--no-cache", file));
    }

    [Fact]
    public void SimulatorEvidence_WithoutTrustSimulator_HintsAtTheFlag()
    {
        string sim = _dir.File("sim"), vm = _dir.File("vm.json");
        Assert.Equal(0, Cli("attest", "vm", "--tee", "simulate", "--simulator-dir", sim, "--out", vm).Code);
        var (code, _, err) = Cli("verify", vm);
        Assert.Equal(1, code);
        Assert.Contains("hint: this is the TeeWasm simulator's evidence; to check it against the simulator's root, add --trust-simulator [DIR]", err);
        Assert.DoesNotContain("hint:", Cli("verify", vm, "--trust-simulator", sim).Err);
    }
}
