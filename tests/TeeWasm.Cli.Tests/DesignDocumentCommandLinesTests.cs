using TeeWasm.Attestation;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests;

/// <summary>
/// The original design document's two command lines, with <c>tee-wasm</c> in place of <c>./wasmtime-webgpu-host</c>,
/// run from a directory laid out as the document's (the host's folder beside <c>wasm-ml/</c>, <c>wasmwebgpu-ml/</c> and
/// <c>data/</c>): the RF benchmark guests (artifacts/guests, scripts/build-guests.sh) under the original's module paths.
/// </summary>
/// <remarks>
/// The document writes <c>./wasmtime-webgpu-host MODULE --dir=../data</c>; <see cref="CommandLine"/> is that, verbatim,
/// with <c>tee-wasm</c> (the <c>tee-wasm MODULE</c> shorthand, host options before MODULE and <c>--dir</c> after it:
/// docs/cli.md). CommandLine.ShorthandTests checks the shorthand's rules; these check what the guests do under it.
/// </remarks>
public sealed class DesignDocumentCommandLinesTests : IDisposable
{
    private const string RustModule = "../wasm-ml/target/wasm32-wasi/release/wasm_ml.wasm";
    private const string CppModule = "../wasmwebgpu-ml/build/wasmwebgpu-ml-benchmark.wasm";
    private readonly TempDir _dir = new();

    public DesignDocumentCommandLinesTests()
    {
        Place("wasm-ml-benchmark.wasm", RustModule);
        Place("wasmwebgpu-ml-benchmark.wasm", CppModule);
        foreach (string csv in new[] { "diabetes_train.csv", "diabetes_test.csv" })
            Place(Path.Combine(RepoPaths.Root, "data", csv), "../data/" + csv);
        Directory.CreateDirectory(HostFolder);
    }

    public void Dispose() => _dir.Dispose();

    private string HostFolder => Path.Combine(_dir.Path, "host");

    private void Place(string source, string relativeToHost)
    {
        string from = Path.IsPathRooted(source) ? source : Path.Combine(RepoPaths.Root, "artifacts", "guests", source);
        Assert.True(File.Exists(from), $"{from} is missing: run scripts/build-guests.sh (the test script does) before the tests");
        string to = Path.GetFullPath(Path.Combine(HostFolder, relativeToHost));
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Copy(from, to);
    }

    /// <summary>The document's <c>./wasmtime-webgpu-host MODULE --dir=../data</c> as <c>tee-wasm [OPTIONS] MODULE --dir=../data</c>.</summary>
    private static string[] CommandLine(string module, params string[] hostOptions) => [.. hostOptions, module, "--dir=../data"];

    [Theory]
    [InlineData(RustModule, "rust")]
    [InlineData(CppModule, "cpp")]
    public void TheDocumentsCommandLineRunsTheGuestOnItsData(string module, string language)
    {
        var (code, stdout, stderr) = CliProcess.RunIn(HostFolder, new Dictionary<string, string>(), CommandLine(module));
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("[TRAIN] Dataset: 353 samples, 10 features", stdout); // --dir=../data reached the guest as data/
        Assert.Contains("[INFER] Test set: 89 samples", stdout);
        Assert.Contains($"\"language\":\"{language}\"", stdout);
        using var attester = new Attester(new AttesterOptions());
        if (attester.DetectTee().Type == TeeType.None)
            Assert.Contains("❌ No TEE attestation available", stdout); // what the document says a machine without a TEE prints
        else
            Assert.Contains("✓ VM attestation successful (TDX/SEV-SNP)", stdout);
    }

    [Theory]
    [InlineData(RustModule)]
    [InlineData(CppModule)]
    public void OnAConfidentialVmTheDocumentsLinesArePrinted(string module)
    {
        var (code, stdout, stderr) = CliProcess.RunIn(HostFolder, new Dictionary<string, string>(), CommandLine(module, "--tee", "simulate"));
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("✓ VM attestation successful (TDX/SEV-SNP)", stdout);
        Assert.Contains("✓ GPU attestation successful (H100)", stdout);
        Assert.Contains("✓ All attestations passed!", stdout);
        Assert.Contains("[INFER] MSE: ", stdout);
    }
}
