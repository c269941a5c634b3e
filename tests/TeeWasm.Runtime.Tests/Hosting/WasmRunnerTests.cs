using TeeWasm.Runtime.Modules;
using TeeWasm.Attestation;
using TeeWasm.Runtime.Hosting;

using TeeWasm.Tests.Shared;
namespace TeeWasm.Runtime.Tests.Hosting;

public sealed class WasmRunnerTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly List<string> _log = [];

    public void Dispose() => _dir.Dispose();

    private RunOptions Options(Func<RunOptions, RunOptions>? tweak = null)
    {
        var o = new RunOptions
        {
            CacheDirectory = null,
            StdoutPath = _dir.File("stdout.txt"),
            StderrPath = _dir.File("stderr.txt"),
            Logger = new LineLogger(_log.Add),
            Attestation = new AttesterOptions { Mode = AttestationMode.None },
        };
        return tweak is null ? o : tweak(o);
    }

    private RunResult Run(string wat, Func<RunOptions, RunOptions>? tweak = null) =>
        WasmRunner.Run(GuestModules.WriteTemp(wat, _dir), Options(tweak));

    private string Stdout => File.ReadAllText(_dir.File("stdout.txt"));

    [Fact]
    public void ProcExitCodeBecomesTheExitCode() => Assert.Equal(42, Run(GuestModules.ProcExit42).ExitCode);

    [Fact]
    public void ReturningFromStartIsExitCodeZero()
    {
        var r = Run(GuestModules.ReturnsNormally);
        Assert.Equal(0, r.ExitCode);
        Assert.Null(r.Error);
    }

    [Fact]
    public void TrapIsReportedInOneLineWithTheCause()
    {
        var r = Run(GuestModules.Unreachable);
        Assert.Equal(GuestFailure.TrapExitCode, r.ExitCode);
        Assert.NotNull(r.Error);
        Assert.DoesNotContain('\n', r.Error);
        Assert.Contains("unreachable", r.Error);
        Assert.StartsWith("'guest.wat' trapped:", r.Error);
    }

    [Fact]
    public void MissingImportNamesTheImportAndTheModule()
    {
        var r = Run(GuestModules.MissingImport);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("cannot instantiate 'guest.wat': it imports function 'not_provided' from module 'env', which this host does not provide", r.Error);
    }

    [Fact]
    public void FuelLimitStopsARunawayGuest()
    {
        var r = Run(GuestModules.InfiniteLoop, o => o with { Fuel = 100_000 });
        Assert.Equal(GuestFailure.TrapExitCode, r.ExitCode);
        Assert.Equal("'guest.wat' stopped: fuel exhausted (--fuel 100000)", r.Error);
    }

    [Fact]
    public void FuelIsEnoughForAFiniteGuest() => Assert.Equal(42, Run(GuestModules.ProcExit42, o => o with { Fuel = 100_000 }).ExitCode);

    [Fact]
    public void TimeoutStopsARunawayGuest()
    {
        var r = Run(GuestModules.InfiniteLoop, o => o with { Timeout = TimeSpan.FromMilliseconds(300) });
        Assert.Equal(GuestFailure.TrapExitCode, r.ExitCode);
        Assert.Equal("'guest.wat' stopped: time limit of 0.3 s exceeded (--timeout)", r.Error);
    }

    [Fact]
    public void MaxMemoryStopsAGuestThatGrowsForever()
    {
        var r = Run(GuestModules.GrowsForever, o => o with { MaxMemoryBytes = 8 * 1024 * 1024 });
        Assert.Equal(GuestFailure.TrapExitCode, r.ExitCode);
        Assert.Contains("--max-memory limit of 8 MB", r.Error);
    }

    [Fact]
    public void ArgumentsAndEnvironmentReachTheGuest()
    {
        var r = Run(GuestModules.PrintArgs, o => o with { Arguments = ["first", "second arg"] });
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("guest.wat|first|second arg|", Stdout);
    }

    [Fact]
    public void PreopenedDirectoriesAreNamedAsMapped()
    {
        string data = Directory.CreateDirectory(Path.Combine(_dir.Path, "data")).FullName;
        var r = Run(GuestModules.PrintPreopens, o => o with
        {
            Directories = [DirectoryMapping.Parse(data), DirectoryMapping.Parse(_dir.Path + "::/work")],
        });
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("data\n/work\n", Stdout);
    }

    [Fact]
    public void MissingPreopenDirectoryIsAClearError()
    {
        var e = Assert.Throws<WasmRuntimeException>(() =>
            Run(GuestModules.ReturnsNormally, o => o with { Directories = [new DirectoryMapping("/nonexistent/x", "x")] }));
        Assert.Equal("--dir: directory '/nonexistent/x' does not exist", e.Message);
    }

    [Fact]
    public void MissingModuleFileIsAClearError()
    {
        var e = Assert.Throws<ModuleFileException>(() => WasmRunner.Run(_dir.File("nope.wasm"), Options()));
        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public void GarbageModuleIsAClearError()
    {
        File.WriteAllBytes(_dir.File("bad.wasm"), [0x00, 0x61, 0x73, 0x6d, 0x09, 0x00, 0x00, 0x00]);
        var e = Assert.Throws<ModuleFileException>(() => WasmRunner.Run(_dir.File("bad.wasm"), Options()));
        Assert.StartsWith($"'{_dir.File("bad.wasm")}' is not a valid WebAssembly module:", e.Message);
    }
}
