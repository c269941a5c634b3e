using System.Diagnostics;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Platforms.Nvidia;

/// <summary>Compiles FakeNvml/fake_nvml.c into a shared library once per test run.</summary>
public sealed class FakeNvmlFixture : IDisposable
{
    private static readonly string[] s_variables =
    [
        "FAKE_NVML_GPUS", "FAKE_NVML_REPORT", "FAKE_NVML_CERTS", "FAKE_NVML_DRIVER", "FAKE_NVML_DEVTOOLS",
        "FAKE_NVML_NONCE_OUT", "FAKE_NVML_FAIL", "FAKE_NVML_FAIL_CODE",
    ];

    private readonly string _directory;

    public FakeNvmlFixture()
    {
        _directory = Directory.CreateTempSubdirectory("teewasm-fake-nvml-").FullName;
        LibraryPath = Path.Combine(_directory, "libnvidia-ml-fake.so");
        string source = Path.Combine(RepoPaths.Root, "tests", "TeeWasm.Attestation.Tests", "Platforms", "Nvidia", "FakeNvml", "fake_nvml.c");
        var psi = new ProcessStartInfo("gcc", ["-shared", "-fPIC", "-o", LibraryPath, source])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        Process gcc;
        try
        {
            gcc = Process.Start(psi) ?? throw new InvalidOperationException("gcc did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("the fake NVML library needs gcc on PATH to build tests/…/FakeNvml/fake_nvml.c; install gcc", e);
        }
        string errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        if (gcc.ExitCode != 0) throw new InvalidOperationException($"gcc failed to build {source}:\n{errors}");
    }

    /// <summary>Path of the compiled fake libnvidia-ml.</summary>
    public string LibraryPath { get; }

    /// <summary>Clears every FAKE_NVML_* variable, then sets the given ones.</summary>
    public void Configure(params (string Name, string? Value)[] settings)
    {
        foreach (string v in s_variables) Set(v, null);
        foreach (var (name, value) in settings) Set(name, value);
    }

    /// <summary>
    /// Sets a variable in the process's native environment too: on Unix, .NET's Environment.SetEnvironmentVariable only
    /// changes the runtime's own copy, which a C library's getenv never sees.
    /// </summary>
    private static void Set(string name, string? value)
    {
        Environment.SetEnvironmentVariable(name, value);
        int rc = value is null ? LibC.unsetenv(name) : LibC.setenv(name, value, 1);
        if (rc != 0) throw new InvalidOperationException($"setenv({name}) failed");
    }

    private static class LibC
    {
        [System.Runtime.InteropServices.DllImport("libc", CharSet = System.Runtime.InteropServices.CharSet.Ansi)]
        internal static extern int setenv(string name, string value, int overwrite);

        [System.Runtime.InteropServices.DllImport("libc", CharSet = System.Runtime.InteropServices.CharSet.Ansi)]
        internal static extern int unsetenv(string name);
    }

    /// <summary>Serves the Hopper report and its chain for <paramref name="gpus"/> GPUs.</summary>
    public void ServeHopper(int gpus = 1, params (string Name, string? Value)[] extra) =>
        Configure([("FAKE_NVML_GPUS", gpus.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("FAKE_NVML_REPORT", NvidiaVectors.Path("hopperAttestationReport.txt")),
            ("FAKE_NVML_CERTS", NvidiaVectors.Path("hopper_cert_chain_case1.txt")), .. extra]);

    public string TempFile(string name) => Path.Combine(_directory, name);

    public void Dispose()
    {
        Configure();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Tests that use the fake NVML share process-wide environment variables: they never run in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FakeNvmlCollection : ICollectionFixture<FakeNvmlFixture>
{
    public const string Name = "Fake NVML";
}
