using TeeWasm.Runtime.Modules;

namespace TeeWasm.Runtime.Tests.Modules;

/// <summary>Wasmtime's errors for modules that do not load, in one line with the position or the reason (issue 15.3).</summary>
public sealed class ModuleErrorTextTests
{
    [Fact]
    public void WatSyntaxError_IsFileLineColumn() =>
        Assert.Equal("g.wat:4:5: unknown operator or unexpected token", ModuleErrorText.Describe("g.wat",
            "unknown operator or unexpected token\n     --> <anon>:4:5\n      |\n    4 |     i32.bogus\n      |     ^", "(module"u8));

    [Fact]
    public void ValidationError_NamesTheFunctionAndTheLastCause() =>
        Assert.Equal("'g.wasm' is not a valid WebAssembly module: function 3 ($f): type mismatch: expected i32, found i64 (at offset 42)",
            ModuleErrorText.Describe("g.wasm", "WebAssembly module 'g.wasm' is not valid: failed to compile: wasm[0]::function[3]::f\n\nCaused by:\n" +
                "    0: WebAssembly translation error\n    1: Invalid input WebAssembly code at offset 42: type mismatch: expected i32, found i64\n", [0, 0x61, 0x73, 0x6d]));

    [Fact]
    public void ParseError_KeepsTheUnnumberedCause() =>
        Assert.Equal("'t.wasm' is not a valid WebAssembly module: unexpected end-of-file (at offset 0x9)",
            ModuleErrorText.Describe("t.wasm", "WebAssembly module 't.wasm' is not valid: failed to parse WebAssembly module\n\nCaused by:\n    unexpected end-of-file (at offset 0x9)\n", [0, 0x61, 0x73, 0x6d]));

    [Fact]
    public void NoMagic_SaysItIsNoModule_AndSpotsText() =>
        Assert.Equal("'m.wasm' is not a WebAssembly module: it does not start with the \\0asm header (it looks like WebAssembly text: name it .wat)",
            ModuleErrorText.Describe("m.wasm", "WebAssembly module 'm.wasm' is not valid: failed to parse WebAssembly module\n\nCaused by:\n    magic header not detected: bad magic number - expected=[\n    0x0,\n] actual=[\n    0x28,\n] (at offset 0x0)\n", " (module)"u8));

    [Fact]
    public void AMessageOfAnotherShape_KeepsItsFirstLine() =>
        Assert.Equal("'x.wasm' is not a valid WebAssembly module: something else", ModuleErrorText.Describe("x.wasm", "something else\nmore", []));
}
