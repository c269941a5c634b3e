namespace TeeWasm.Cli.Tests;

/// <summary><c>tee-wasm run --gpu</c>.</summary>
public sealed class RunGpuOptionTests
{
    private static (int Code, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = TeeWasmCli.Run(args, stdout, stderr);
        return (code, stderr.ToString());
    }

    [Fact]
    public void EveryBackendRuns()
    {
        string wat = Path.Combine(Path.GetTempPath(), "teewasm-gpu-" + Guid.NewGuid().ToString("N")[..8] + ".wat");
        File.WriteAllText(wat, "(module (memory (export \"memory\") 1) (func (export \"_start\")))");
        try
        {
            var (code, err) = Run("run", "--no-cache", "--tee", "none", "--gpu", "webgpu", wat); // lavapipe here
            Assert.True(code == 0, err);
            Assert.Equal(0, Run("run", "--no-cache", "--tee", "none", "--gpu", "cpu", wat).Code);
            Assert.Equal(0, Run("run", "--no-cache", "--tee", "none", "--gpu", "none", wat).Code);
        }
        finally
        {
            File.Delete(wat);
        }
    }

    [Fact]
    public void UnknownBackendIsAUsageError() =>
        Assert.Equal(TeeWasmCli.UsageError, Run("run", "--gpu", "metal", "x.wasm").Code);
}
