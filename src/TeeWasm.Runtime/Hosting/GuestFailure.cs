using System.Text.RegularExpressions;
using Wasmtime;

namespace TeeWasm.Runtime.Hosting;

/// <summary>
/// Why a guest stopped, read from Wasmtime's error: the trap in the WebAssembly specification's words ("unreachable",
/// "out of bounds memory access", "indirect call type mismatch", …) with what Wasmtime adds (the faulting address), or
/// the error of a host call, and the guest frames nearest to it, innermost first. A trap inside a call back into the
/// guest from a host function (Wasmtime reports it as that host call's error, e.g. a guest trapping in
/// <c>__funcs_on_exit</c> through an indirect call to an import) is found inside the outer error.
/// </summary>
public sealed partial record GuestFailure
{
    /// <summary>
    /// The exit code of a run whose guest trapped: 134, as <c>wasmtime run</c> on Unix and a native program that calls
    /// <c>abort()</c> (128 + SIGABRT), so that a trap is never mistaken for the guest's own <c>exit(1)</c>.
    /// </summary>
    public const int TrapExitCode = 134;

    /// <summary>How many guest frames <see cref="Describe"/> names.</summary>
    public const int FramesShown = 5;

    /// <summary>True when the guest trapped (possibly inside a host call); false for another runtime error.</summary>
    public bool IsTrap { get; init; }

    /// <summary>The trap's code when Wasmtime gave it for the outermost error; null otherwise.</summary>
    public TrapCode? Code { get; init; }

    /// <summary>The cause in words, e.g. "out of bounds memory access (address 0x11170, memory size 0x10000)".</summary>
    public required string Reason { get; init; }

    /// <summary>The guest frames, innermost first (function names, or <c>func@0xOFFSET</c> without a name section).</summary>
    public IReadOnlyList<string> Frames { get; init; } = [];

    /// <summary>The exit code for this failure: <see cref="TrapExitCode"/> for a trap, else 1.</summary>
    public int ExitCode => IsTrap ? TrapExitCode : 1;

    /// <summary>Reads a Wasmtime error (a <see cref="TrapException"/> or the error of a call).</summary>
    public static GuestFailure From(WasmtimeException error)
    {
        string[] lines = error.Message.Split('\n');
        string? trap = null, detail = null, cause = null;
        foreach (string raw in lines)
        {
            string line = CausePrefix().Replace(raw.Trim(), "");
            if (line.StartsWith(WasmTrapPrefix, StringComparison.Ordinal)) trap = line[WasmTrapPrefix.Length..];
            else if (MemoryFault().Match(line) is { Success: true } fault)
                detail = $"address {fault.Groups["address"].Value}, memory size {fault.Groups["size"].Value}";
        }
        if (trap is null && error is not TrapException)
        {
            // Not a trap: the innermost cause that is neither a backtrace header nor a frame.
            int last = Array.FindLastIndex(lines, l => l.TrimStart().StartsWith("Caused by", StringComparison.Ordinal));
            cause = lines.Skip(last + 1).Select(l => CausePrefix().Replace(l.Trim(), ""))
                .LastOrDefault(l => l.Length > 0 && l != BacktraceHeader && !FrameLine().IsMatch(l) && !l.StartsWith("at ", StringComparison.Ordinal));
        }
        bool isTrap = trap is not null || error is TrapException;
        string reason = isTrap
            ? Words(trap, (error as TrapException)?.Type) + (detail is null ? "" : $" ({detail})")
            : cause is { Length: > 0 } ? cause : "a host function failed without saying why";
        return new GuestFailure
        {
            IsTrap = isTrap,
            Code = (error as TrapException)?.Type,
            Reason = reason,
            Frames = FramesOf(lines, error.Frames),
        };
    }

    /// <summary>
    /// One line: <c>'NAME' trapped: REASON at F1 ← F2 ← …</c> (innermost first, at most <see cref="FramesShown"/>
    /// frames) or <c>'NAME' failed: …</c> for an error that is not a trap.
    /// </summary>
    public string Describe(string name)
    {
        string where = Frames.Count == 0 ? ""
            : " at " + string.Join(" ← ", Frames.Take(FramesShown)) + (Frames.Count > FramesShown ? $" ← … ({Frames.Count - FramesShown} more)" : "");
        return IsTrap ? $"'{name}' trapped: {Reason}{where}" : $"'{name}' failed in a host call: {Reason}{where}";
    }

    private const string WasmTrapPrefix = "wasm trap: ";
    private const string BacktraceHeader = "error while executing at wasm backtrace:";

    // Wasmtime's trap messages (its Trap Display) in the words of the WebAssembly specification's test suite, with a
    // gloss where the spec's words are terse.
    private static string Words(string? wasmtimeText, TrapCode? code) => (wasmtimeText, code) switch
    {
        ("wasm `unreachable` instruction executed", _) or (null, TrapCode.Unreachable) =>
            "unreachable (the guest aborted: abort(), a Rust panic, __builtin_trap())",
        ("out of bounds memory access", _) or (null, TrapCode.MemoryOutOfBounds) => "out of bounds memory access",
        ("uninitialized element", _) or (null, TrapCode.IndirectCallToNull) =>
            "uninitialized element (null function: an indirect call through a null function pointer)",
        ("indirect call type mismatch", _) or (null, TrapCode.BadSignature) =>
            "indirect call type mismatch (function signature mismatch: a function pointer called with the wrong type)",
        ("undefined element: out of bounds table access", _) or (null, TrapCode.TableOutOfBounds) =>
            "undefined element (indirect call index outside the function table)",
        ("call stack exhausted", _) or (null, TrapCode.StackOverflow) => "call stack exhausted (stack overflow)",
        ("integer divide by zero", _) or (null, TrapCode.IntegerDivisionByZero) => "integer divide by zero",
        ("integer overflow", _) or (null, TrapCode.IntegerOverflow) => "integer overflow",
        ("invalid conversion to integer", _) or (null, TrapCode.BadConversionToInteger) => "invalid conversion to integer",
        ("unaligned atomic", _) or (null, TrapCode.HeapMisaligned) => "unaligned atomic",
        ({ } text, _) => text,
        (null, { } other) => other.ToString(),
        _ => "trap",
    };

    // The innermost backtrace in the message (a trap inside a host call has its own, with every frame). Names come from
    // Wasmtime's structured frames unless mangled (wasm-ld already demangles C++ names in the name section), since
    // Wasmtime's demangler, which the message went through, misreads short C names ("h" becomes "unsigned char").
    private static List<string> FramesOf(string[] lines, IReadOnlyList<TrapFrame>? structured)
    {
        var plain = new Dictionary<long, string>();
        foreach (var frame in structured ?? [])
        {
            if (frame.FunctionName is { Length: > 0 } n && !n.StartsWith("_Z", StringComparison.Ordinal) && !n.StartsWith("_R", StringComparison.Ordinal))
                plain[(long)frame.ModuleOffset] = Shorten(n);
        }
        int header = Array.FindLastIndex(lines, l => l.Trim() == BacktraceHeader);
        var frames = new List<string>();
        if (header < 0)
        {
            foreach (var frame in structured ?? [])
                frames.Add(frame.FunctionName is { Length: > 0 } n ? Shorten(n) : $"func@0x{frame.ModuleOffset:x}");
            return frames;
        }
        for (int i = header + 1; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith("Caused by", StringComparison.Ordinal)) break;
            var m = FrameLine().Match(line);
            if (m.Success)
            {
                long offset = Convert.ToInt64(m.Groups["offset"].Value, 16);
                string name = m.Groups["name"].Value;
                name = plain.TryGetValue(offset, out var p) ? p
                    : name.StartsWith("<wasm function ", StringComparison.Ordinal) ? $"func@0x{offset:x}"
                    : Shorten(name);
                frames.Add(name);
            }
            else if (line.StartsWith("- ", StringComparison.Ordinal))
            {
                frames.Add(Shorten(line[2..])); // a frame inlined into the one above (with WASMTIME_BACKTRACE_DETAILS)
            }
        }
        return frames;
    }

    // "ns::f(int, std::string)" -> "ns::f", "ns::F::operator()(int)" -> "ns::F::operator()";
    // Rust's "crate::f::h0123456789abcdef" -> "crate::f".
    private static string Shorten(string name)
    {
        const string CallOperator = "operator()";
        int op = name.IndexOf(CallOperator, StringComparison.Ordinal);
        int paren = name.IndexOf('(', op >= 0 ? op + CallOperator.Length : 0);
        if (paren > 0) name = name[..paren];
        return RustHash().Replace(name, "");
    }

    [GeneratedRegex(@"^\d+:\s*")]
    private static partial Regex CausePrefix();

    // "0:   0x19d - <unknown>!h" or "1: 0x1fd1 - guest.wasm!call"
    [GeneratedRegex(@"^(?:\d+:\s+)?0x(?<offset>[0-9a-f]+) - (?:[^!]*!)?(?<name>.+)$")]
    private static partial Regex FrameLine();

    [GeneratedRegex(@"^memory fault at wasm address (?<address>0x[0-9a-f]+) in linear memory of size (?<size>0x[0-9a-f]+)$")]
    private static partial Regex MemoryFault();

    [GeneratedRegex(@"::h[0-9a-f]{16}$")]
    private static partial Regex RustHash();
}
