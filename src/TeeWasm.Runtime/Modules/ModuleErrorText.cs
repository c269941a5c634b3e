using System.Text.RegularExpressions;

namespace TeeWasm.Runtime.Modules;

/// <summary>
/// One line for Wasmtime's error about a module that does not load, as Wasmtime's CLI would say it: a <c>.wat</c>
/// syntax error as <c>file:line:col: reason</c>; a module that does not validate with the function and the reason
/// (the last of the "Caused by" chain) and its offset; a file that is no module at all said so.
/// </summary>
internal static partial class ModuleErrorText
{
    public static string Describe(string path, string message, ReadOnlySpan<byte> file)
    {
        string first = message.Split('\n', 2)[0].Trim();
        if (WatPosition().Match(message) is { Success: true } at)
            return $"{path}:{at.Groups["line"].Value}:{at.Groups["col"].Value}: {first}";
        string head = NotValidPrefix().Replace(first, "");
        string cause = Causes(message).LastOrDefault() ?? head;
        if (cause.StartsWith("magic header not detected", StringComparison.Ordinal))
        {
            bool text = file.TrimStart(" \t\r\n"u8).StartsWith("("u8);
            return $"'{path}' is not a WebAssembly module: it does not start with the \\0asm header{(text ? " (it looks like WebAssembly text: name it .wat)" : "")}";
        }
        if (InvalidCode().Match(cause) is { Success: true } code) cause = $"{code.Groups["reason"].Value} (at offset {code.Groups["offset"].Value})";
        string where = FunctionName().Match(head) is { Success: true } f
            ? $"function {f.Groups["index"].Value}{(f.Groups["name"].Success ? $" (${f.Groups["name"].Value})" : "")}: "
            : "";
        return $"'{path}' is not a valid WebAssembly module: {where}{cause}";
    }

    /// <summary>The causes after "Caused by:", each folded onto one line ("0: …", "1: …" numbered, or one unnumbered).</summary>
    private static List<string> Causes(string message)
    {
        var causes = new List<string>();
        int at = message.IndexOf("Caused by:", StringComparison.Ordinal);
        if (at < 0) return causes;
        foreach (string raw in message[(at + "Caused by:".Length)..].Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0) continue;
            if (CauseNumber().Match(line) is { Success: true } n) causes.Add(line[n.Length..]);
            else if (causes.Count == 0) causes.Add(line);
            else causes[^1] += (causes[^1].EndsWith('[') || line.StartsWith(']') ? "" : " ") + line;
        }
        return causes;
    }

    [GeneratedRegex(@"-->\s*<anon>:(?<line>\d+):(?<col>\d+)")]
    private static partial Regex WatPosition();

    [GeneratedRegex(@"^WebAssembly module '[^']*' is not valid:\s*")]
    private static partial Regex NotValidPrefix();

    [GeneratedRegex(@"^Invalid input WebAssembly code at offset (?<offset>\d+):\s*(?<reason>.*)$")]
    private static partial Regex InvalidCode();

    [GeneratedRegex(@"wasm\[\d+\]::function\[(?<index>\d+)\](?:::(?<name>\S+))?")]
    private static partial Regex FunctionName();

    [GeneratedRegex(@"^\d+:\s*")]
    private static partial Regex CauseNumber();
}
