using TeeWasm.Attestation;
using TeeWasm.Runtime.Hosting;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Runtime.Tests.Hosting;

/// <summary>
/// What a trapping guest's run says: the trap in the WebAssembly spec's words, the top guest frames, exit code 134 —
/// also for a trap inside a host call (a guest trapping in <c>__funcs_on_exit</c> through an indirect call to an
/// import whose host side calls back into the guest).
/// </summary>
public sealed class GuestFailureTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private RunResult Run(string wat, AttestationMode mode = AttestationMode.None, long? maxMemory = null) =>
        WasmRunner.Run(GuestModules.WriteTemp(wat, _dir), new RunOptions
        {
            CacheDirectory = null,
            StdoutPath = _dir.File("out.txt"),
            StderrPath = _dir.File("err.txt"),
            Logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance,
            MaxMemoryBytes = maxMemory ?? RunOptions.DefaultMaxMemoryBytes,
            Attestation = new AttesterOptions { Mode = mode },
        });

    // _start -> $__wasm_call_dtors -> $__funcs_on_exit -> call_indirect (type CALLED_AS) of table entry ENTRY -> $handler -> BODY
    private static string ExitHandlerGuest(string body, string calledAs = "(func)", int entry = 1, string args = "") => $$"""
        (module
          (memory (export "memory") 1)
          (type $called_as {{calledAs}})
          (table 2 funcref)
          (elem (i32.const {{entry}}) $handler)
          (func $handler {{body}})
          (func $__funcs_on_exit (call_indirect (type $called_as) {{args}} (i32.const 1)))
          (func $__wasm_call_dtors (call $__funcs_on_exit))
          (func $_start (export "_start") (call $__wasm_call_dtors)))
        """;

    [Theory]
    [InlineData("unreachable", "unreachable (the guest aborted: abort(), a Rust panic, __builtin_trap())")]
    [InlineData("(drop (i32.load (i32.const 70000)))", "out of bounds memory access (address 0x11170, memory size 0x10000)")]
    [InlineData("(drop (i32.div_u (i32.const 1) (i32.const 0)))", "integer divide by zero")]
    [InlineData("(call $handler)", "call stack exhausted (stack overflow)")]
    public void TheTrapIsNamedWithTheTopGuestFrames(string body, string reason)
    {
        var r = Run(ExitHandlerGuest(body));
        Assert.Equal(GuestFailure.TrapExitCode, r.ExitCode);
        Assert.NotNull(r.Error);
        Assert.DoesNotContain('\n', r.Error);
        if (body == "(call $handler)")
            Assert.StartsWith($"'guest.wat' trapped: {reason} at handler ← handler ← handler", r.Error);
        else
            Assert.Equal($"'guest.wat' trapped: {reason} at handler ← __funcs_on_exit ← __wasm_call_dtors ← _start", r.Error);
    }

    [Fact]
    public void AnIndirectCallWithTheWrongSignatureIsNamed()
    {
        var r = Run(ExitHandlerGuest("nop", calledAs: "(func (param i32))", args: "(i32.const 7)"));
        Assert.Equal(134, r.ExitCode);
        Assert.Equal("'guest.wat' trapped: indirect call type mismatch (function signature mismatch: a function pointer called with the wrong type) at __funcs_on_exit ← __wasm_call_dtors ← _start", r.Error);
    }

    [Fact]
    public void AnIndirectCallThroughANullEntryIsNamed()
    {
        var r = Run(ExitHandlerGuest("nop", entry: 0));
        Assert.Equal(134, r.ExitCode);
        Assert.Equal("'guest.wat' trapped: uninitialized element (null function: an indirect call through a null function pointer) at __funcs_on_exit ← __wasm_call_dtors ← _start", r.Error);
    }

    /// <summary>
    /// The issue's case: the guest's exit handler reaches an import indirectly, the host calls back into the guest
    /// (cabi_realloc) and that traps. Wasmtime reports it as the host call's error, not as a trap; before, the run said
    /// only "failed: error while executing at wasm backtrace:".
    /// </summary>
    [Fact]
    public void ATrapInsideAHostCallIsFoundAndNamed()
    {
        const string wat = """
            (module
              (import "wasmtime_attestation" "detect_tee" (func $detect_tee (result i32)))
              (memory (export "memory") 1)
              (type $t (func (result i32)))
              (table 1 funcref)
              (elem (i32.const 0) $detect_tee)
              (func $cabi_realloc (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) unreachable)
              (func $__funcs_on_exit (drop (call_indirect (type $t) (i32.const 0))))
              (func $_start (export "_start") (call $__funcs_on_exit)))
            """;
        var r = Run(wat);
        Assert.Equal(134, r.ExitCode);
        Assert.Equal("'guest.wat' trapped: unreachable (the guest aborted: abort(), a Rust panic, __builtin_trap()) at cabi_realloc ← __funcs_on_exit ← _start", r.Error);
    }

    [Fact]
    public void MoreThanFiveFramesAreCounted()
    {
        var r = Run(ExitHandlerGuest("(call $a)").Replace("(func $_start", """
            (func $a (call $b)) (func $b (call $c)) (func $c unreachable)
              (func $_start
            """));
        Assert.Equal("'guest.wat' trapped: unreachable (the guest aborted: abort(), a Rust panic, __builtin_trap()) at c ← b ← a ← handler ← __funcs_on_exit ← … (2 more)", r.Error);
    }

    [Fact]
    public void AGuestWithoutNamesGetsOffsets()
    {
        var r = Run("(module (memory (export \"memory\") 1) (func unreachable) (func (export \"_start\") (call 0)))");
        Assert.Equal(134, r.ExitCode);
        Assert.Matches(@"^'guest\.wat' trapped: unreachable \(.*\) at func@0x[0-9a-f]+ ← func@0x[0-9a-f]+$", r.Error);
    }

    [Fact]
    public void ProcExitIsNotATrap() => Assert.Equal(42, Run(GuestModules.ProcExit42).ExitCode);
}
