using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests;

/// <summary>Issue 12 item 4: <c>--max-memory</c> is the guest's whole budget; <c>--max-gpu-memory</c> is a part of it.</summary>
public sealed class MemoryBudgetOptionTests
{
    [Fact]
    public void A_gpu_share_not_below_the_budget_is_a_usage_error()
    {
        using var dir = new TempDir();
        string module = GuestModules.WriteTemp(GuestModules.ProcExit42, dir);
        var o = new StringWriter();
        var e = new StringWriter();
        int code = TeeWasmCli.Run(["run", "--max-memory", "512", "--max-gpu-memory", "512", module], o, e);
        Assert.Equal(2, code);
        Assert.Equal("error: --max-gpu-memory 512 must be less than --max-memory 512: GPU buffers are part of the guest's memory budget", e.ToString().TrimEnd('\n'));
    }

    [Fact]
    public void Help_says_what_the_budget_covers()
    {
        var o = new StringWriter();
        Assert.Equal(0, TeeWasmCli.Run(["run", "--help"], o, new StringWriter()));
        string help = string.Join(' ', o.ToString().Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--max-memory <MB> The guest's memory budget in MiB: its linear memory plus, for a guest that imports wasi:gpu or wasi:webgpu, its GPU buffers", help);
        Assert.Contains("--max-gpu-memory <MB> The part of --max-memory for the GPU buffers", help);
    }
}
