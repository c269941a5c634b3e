using TeeWasm.Attestation;
using TeeWasm.Runtime.Hosting;
using TeeWasm.Runtime.Tests.Interfaces.Attestation;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Runtime.Tests.Hosting;

/// <summary>The Rust and C++ example guests (built by scripts/build-guests.sh) on the real host.</summary>
public sealed class ExampleGuestsTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Artifact(string name)
    {
        string path = Path.Combine(RepoPaths.Root, "artifacts", "guests", name);
        Assert.True(File.Exists(path), $"{path} is missing: run scripts/build-guests.sh (the test script does) before the tests");
        return path;
    }

    private (RunResult Result, string Stdout, string Stderr) Run(string guest, AttestationMode mode)
    {
        var result = WasmRunner.Run(Artifact(guest), new RunOptions
        {
            CacheDirectory = _dir.File("cache"),
            StdoutPath = _dir.File("out.txt"),
            StderrPath = _dir.File("err.txt"),
            Attestation = new AttesterOptions { Mode = mode, SimulatorDirectory = AttestationImportsSimulatedTests.SimulatorDirectory },
        });
        return (result, File.ReadAllText(_dir.File("out.txt")), File.ReadAllText(_dir.File("err.txt")));
    }

    [Theory]
    [InlineData("attestation_example.wasm")]
    [InlineData("main_with_attestation.wasm")]
    public void SimulatedTeeAttestsVerifiesAndTrains(string guest)
    {
        var (result, stdout, stderr) = Run(guest, AttestationMode.Simulate);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}\n{stdout}\n{stderr}");
        Assert.Contains("AMD SEV-SNP", stdout);
        // The design document's lines, details (token length) on the line below.
        Assert.Matches(@"✓ VM attestation successful \(TDX/SEV-SNP\)\n  Token length: \d{3,} chars", stdout);
        Assert.Matches(@"✓ GPU attestation successful \(H100\)\n  Token length: \d{3,} chars", stdout);
        Assert.Contains("✓ All attestations passed!", stdout);
        Assert.Contains("Training step complete", stdout);
    }

    [Theory]
    [InlineData("attestation_example.wasm")]
    [InlineData("main_with_attestation.wasm")]
    public void NoTeeStopsTheGuestWithTheNoTeeMessage(string guest)
    {
        var (result, stdout, stderr) = Run(guest, AttestationMode.None);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("❌ No TEE attestation available\n   VM attestation failed: " + AttestationResult.NoTeeError, stderr);
        Assert.DoesNotContain("Training step complete", stdout);
    }

    /// <summary>The design document's samples (guests/samples), the C++ one also without any cabi_realloc export.</summary>
    [Theory]
    [InlineData("design_sample_rust.wasm")]
    [InlineData("design_sample_cpp.wasm")]
    [InlineData("design_sample_cpp_no_realloc.wasm")]
    public void DesignSamplesAttestAndTrainUnderTheSimulator(string guest)
    {
        var (result, stdout, stderr) = Run(guest, AttestationMode.Simulate);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}\n{stdout}\n{stderr}");
        if (guest.Contains("cpp", StringComparison.Ordinal)) Assert.Contains("✓ All attestations passed!", stdout);
        Assert.Contains("✓ Training step complete", stdout);
    }

    [Theory]
    [InlineData("design_sample_cpp.wasm")]
    [InlineData("design_sample_cpp_no_realloc.wasm")]
    public void DesignSamplesStopWithoutATee(string guest)
    {
        var (result, stdout, stderr) = Run(guest, AttestationMode.None);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("❌ No TEE attestation available", stderr);
        Assert.DoesNotContain("Training step", stdout);
    }

    [Fact]
    public void SecondRunIsServedFromTheModuleCache()
    {
        Assert.False(Run("main_with_attestation.wasm", AttestationMode.None).Result.CacheHit);
        Assert.True(Run("main_with_attestation.wasm", AttestationMode.None).Result.CacheHit);
    }
}
