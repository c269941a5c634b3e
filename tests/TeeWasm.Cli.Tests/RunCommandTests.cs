using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests;

public sealed class RunCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Guest(string wat, string name = "guest.wat") => GuestModules.WriteTemp(wat, _dir, name);

    [Fact]
    public void GuestExitCodeIsTheProcessExitCode()
    {
        var (code, _, stderr) = CliProcess.Run("run", "--tee", "none", Guest(GuestModules.ProcExit42));
        Assert.Equal(42, code);
        Assert.Equal("", stderr);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DirWorksInBothForms(bool equalsForm)
    {
        string data = Directory.CreateDirectory(Path.Combine(_dir.Path, "data")).FullName;
        string[] dirArgs = equalsForm ? ["--dir=" + data] : ["--dir", data];
        var (code, stdout, stderr) = CliProcess.Run(["run", "--tee", "none", .. dirArgs, "--dir", _dir.Path + "::/w", Guest(GuestModules.PrintPreopens)]);
        Assert.True(code == 0, stderr);
        Assert.Equal("data\n/w\n", stdout);
    }

    [Fact]
    public void ArgumentsAfterTheModuleGoToTheGuest()
    {
        var (code, stdout, _) = CliProcess.Run("run", "--tee", "none", Guest(GuestModules.PrintArgs), "--not-ours", "x");
        Assert.Equal(0, code);
        Assert.Equal("guest.wat|--not-ours|x|", stdout);
    }

    [Fact]
    public void TrapIsOneLineAndExitCode134()
    {
        var (code, _, stderr) = CliProcess.Run("run", "--tee", "none", Guest(GuestModules.Unreachable));
        Assert.Equal(134, code);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: 'guest.wat' trapped: ", line);
        Assert.Contains("unreachable", line);
    }

    [Fact]
    public void MissingImportNamesIt()
    {
        var (code, _, stderr) = CliProcess.Run("run", "--tee", "none", Guest(GuestModules.MissingImport));
        Assert.Equal(1, code);
        Assert.Equal("error: cannot instantiate 'guest.wat': it imports function 'not_provided' from module 'env', which this host does not provide\n", stderr);
    }

    [Fact]
    public void FuelAndTimeoutStopRunawayGuests()
    {
        string loop = Guest(GuestModules.InfiniteLoop);
        var fuel = CliProcess.Run("run", "--tee", "none", "--fuel", "50000", loop);
        Assert.Equal(134, fuel.ExitCode);
        Assert.Contains("fuel exhausted (--fuel 50000)", fuel.Stderr);
        var timeout = CliProcess.Run("run", "--tee", "none", "--timeout", "0.5", loop);
        Assert.Equal(134, timeout.ExitCode);
        Assert.Contains("time limit of 0.5 s exceeded", timeout.Stderr);
    }

    [Fact]
    public void MissingModuleIsAClearErrorWithoutStackTrace()
    {
        var (code, _, stderr) = CliProcess.Run("run", _dir.File("nope.wasm"));
        Assert.Equal(2, code);
        Assert.Equal($"error: module file '{_dir.File("nope.wasm")}' not found (usage: tee-wasm help run)\n", stderr);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("run", "--env", "NOEQUALS", "x.wat")]
    [InlineData("run", "--tee", "bogus", "x.wat")]
    [InlineData("run", "--fuel", "lots", "x.wat")]
    [InlineData("run", "--timeout", "-1", "x.wat")]
    [InlineData("run", "--dir", "::x", "x.wat")]
    [InlineData("attest", "everything")]
    [InlineData("attest", "vm", "--nonce", "xyz")]
    [InlineData("frobnicate")]
    [InlineData("attest", "vm", "--vm-cert", "/nonexistent/vcek.pem")]
    [InlineData("attest", "vm", "--tdx-collateral", "/nonexistent/dir")]
    public void UsageErrorsExitTwoWithAClearMessage(params string[] args)
    {
        var (code, _, stderr) = CliProcess.Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", stderr);
        Assert.DoesNotContain("   at ", stderr); // no stack trace
    }

    [Fact]
    public void HelpListsTheCommands()
    {
        var (code, stdout, _) = CliProcess.Run("--help");
        Assert.Equal(0, code);
        foreach (var cmd in new[] { "run", "detect", "attest", "info" }) Assert.Contains(cmd, stdout);
    }
}
