using System.Diagnostics;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Gpu.Tests.Cuda;

/// <summary>Builds FakeCuda/fake_cuda.c with gcc into a stand-in libcuda whose cuInit returns a chosen CUresult.</summary>
internal static class FakeCudaDriver
{
    private static readonly string s_directory = Directory.CreateTempSubdirectory("teewasm-fake-cuda-").FullName;

    /// <summary>The path of a fake driver whose cuInit returns <paramref name="initResult"/> and that then sees <paramref name="devices"/> devices.</summary>
    public static string Build(int initResult, int devices = 0)
    {
        string library = Path.Combine(s_directory, $"libcuda-fake-{initResult}-{devices}.so");
        if (File.Exists(library)) return library;
        string source = Path.Combine(RepoPaths.Root, "tests", "TeeWasm.Gpu.Tests", "Cuda", "FakeCuda", "fake_cuda.c");
        var psi = new ProcessStartInfo("gcc", ["-shared", "-fPIC", $"-DINIT_RESULT={initResult}", $"-DDEVICES={devices}", "-o", library, source])
        {
            RedirectStandardError = true,
        };
        using var gcc = Process.Start(psi) ?? throw new InvalidOperationException("gcc did not start (the fake CUDA driver needs gcc on PATH)");
        string errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        if (gcc.ExitCode != 0) throw new InvalidOperationException($"gcc failed to build {source}:\n{errors}");
        return library;
    }
}
