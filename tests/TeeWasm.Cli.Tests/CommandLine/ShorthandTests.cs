using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests.CommandLine;

/// <summary>
/// The original host's command lines (issue 13.3, docs/cli.md "Running a module"): <c>tee-wasm MODULE</c> is
/// <c>tee-wasm run MODULE</c>, and <c>--dir</c> after MODULE is the host's, with one notice, unless after <c>--</c>.
/// The design document's two command lines run with our guests at its relative paths.
/// </summary>
public sealed class ShorthandTests : IDisposable
{
    private const string Notice = "[tee-wasm] note: '--dir=../data' after MODULE is taken as a host option, as the original host did; arguments for the guest that look like it go after '--'";

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>The original's layout: ../wasm-ml/target/…/wasm_ml.wasm, ../wasmwebgpu-ml/build/…, ../data, run from work/.</summary>
    private string Tree()
    {
        string Copy(string guest, params string[] to)
        {
            string source = Path.Combine(RepoPaths.Root, "artifacts", "guests", guest);
            Assert.True(File.Exists(source), $"{source} is missing: run scripts/build-guests.sh (the test script does) before the tests");
            string target = Path.Combine([_dir.Path, .. to]);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target);
            return target;
        }
        Copy("wasm-ml-benchmark.wasm", "wasm-ml", "target", "wasm32-wasi", "release", "wasm_ml.wasm");
        Copy("wasmwebgpu-ml-benchmark.wasm", "wasmwebgpu-ml", "build", "wasmwebgpu-ml-benchmark.wasm");
        Directory.CreateDirectory(_dir.File("data"));
        foreach (string csv in Directory.GetFiles(Path.Combine(RepoPaths.Root, "data"), "*.csv"))
            File.Copy(csv, Path.Combine(_dir.File("data"), Path.GetFileName(csv)));
        Directory.CreateDirectory(_dir.File("work"));
        return _dir.File("work");
    }

    private static readonly Dictionary<string, string> s_env = new() { ["XDG_DATA_HOME"] = Path.Combine(Path.GetTempPath(), "teewasm-shorthand-tests") };

    [Theory]
    [InlineData("../wasm-ml/target/wasm32-wasi/release/wasm_ml.wasm")]
    [InlineData("../wasmwebgpu-ml/build/wasmwebgpu-ml-benchmark.wasm")]
    public void DesignDocumentCommandLine_RunsAsPrinted(string module)
    {
        string work = Tree();
        // As printed, with no TEE here: the benchmark says so, trains on ../data (the guest's data/) and finishes.
        var (code, stdout, stderr) = CliProcess.RunIn(work, s_env, module, "--dir=../data");
        Assert.True(code == 0, $"exit {code}: {stdout}\n{stderr}");
        Assert.Contains("No TEE attestation available", stdout);
        Assert.Contains("[INFER] MSE: ", stdout);
        Assert.Contains(Notice, stderr);
    }

    [Fact]
    public void DirAfterDoubleDash_IsTheGuests()
    {
        string wat = GuestModules.WriteTemp("(module (memory (export \"memory\") 1) (func (export \"_start\")))", _dir, "ok.wat");
        var (code, _, stderr) = CliProcess.Run(wat, "--", "--dir=../data");
        Assert.Equal(0, code);
        Assert.DoesNotContain("note:", stderr);
    }

    [Fact]
    public void DirAfterModule_WhoseDirectoryIsMissing_IsAUsageError()
    {
        string wat = GuestModules.WriteTemp("(module (memory (export \"memory\") 1) (func (export \"_start\")))", _dir, "ok.wat");
        var (code, _, stderr) = CliProcess.Run(wat, "--dir", Path.Combine(_dir.Path, "none"));
        Assert.Equal(2, code);
        Assert.Contains("error: --dir: directory '", stderr);
    }

    [Fact]
    public void AWordThatIsNotAModule_IsAnUnknownCommand()
    {
        var (code, _, stderr) = CliProcess.Run("detetc");
        Assert.Equal(2, code);
        Assert.Equal("error: unknown command 'detetc'; did you mean 'detect'? (usage: tee-wasm help)\n", stderr);
    }
}
