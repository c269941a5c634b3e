using System.CommandLine;

namespace TeeWasm.Cli.CommandLine;

/// <summary>
/// The command lines the original host and Wasmtime's CLI accept, turned into <c>tee-wasm run</c> ones before parsing
/// (docs/cli.md, "Running a module"):
/// <list type="bullet">
/// <item><c>tee-wasm [OPTIONS] MODULE [ARGS]</c> is <c>tee-wasm run [OPTIONS] MODULE [ARGS]</c>, when the first word
/// is not a command and is a file, ends in .wasm/.wat/.cwasm or has a '/' (or is an option of <c>run</c>);</item>
/// <item>after MODULE, the original host's <c>--dir DIR</c> and <c>--dir=DIR</c> are host options (moved before
/// MODULE, with a one-line notice), unless they come after a <c>--</c>: everything after <c>--</c> is the guest's.</item>
/// </list>
/// </summary>
internal static class Shorthands
{
    /// <summary>The original host's options that it accepted after MODULE.</summary>
    private const string HostOptionAfterModule = "--dir";

    /// <summary>The rewritten arguments and the notices to log.</summary>
    public static (string[] Args, IReadOnlyList<string> Notices) Apply(RootCommand root, string[] args)
    {
        Command? run = root.Subcommands.FirstOrDefault(c => c.Name == "run");
        if (run is null || args.Length == 0) return (args, []);
        int first = 0;
        while (first < args.Length && IsOption(root, args[first]) && !IsHelpOrVersion(root, args[first])) first++;
        if (first == args.Length) return (args, []);
        string word = args[first];
        bool isCommand = root.Subcommands.Any(c => c.Name == word || c.Aliases.Contains(word));
        if (!isCommand && !IsOption(root, word) && (LooksLikeModule(word) || (word.StartsWith('-') && IsOption(run, word))))
            args = [.. args[..first], "run", .. args[first..]];
        int at = Array.IndexOf(args, "run");
        if (at < 0 || at != first) return (args, []);
        return MoveHostOptions(run, args, at + 1);
    }

    private static (string[], IReadOnlyList<string>) MoveHostOptions(Command run, string[] args, int start)
    {
        int module = start;
        while (module < args.Length)
        {
            string token = args[module];
            if (token == "--") return (args, []);
            if (!token.StartsWith('-') || token == "-") break;
            if (Find(run, token) is not { } option) return (args, []);
            module += token.Contains('=') || option.ValueType == typeof(bool) || option.Arity.MaximumNumberOfValues == 0 ? 1 : 2;
        }
        if (module >= args.Length) return (args, []);
        var moved = new List<string>();
        var rest = new List<string>();
        for (int i = module + 1; i < args.Length; i++)
        {
            if (args[i] == "--")
            {
                rest.AddRange(args[i..]);
                break;
            }
            if (args[i] == HostOptionAfterModule && i + 1 < args.Length)
            {
                moved.Add(args[i]);
                moved.Add(args[++i]);
            }
            else if (args[i].StartsWith(HostOptionAfterModule + "=", StringComparison.Ordinal))
            {
                moved.Add(args[i]);
            }
            else
            {
                rest.Add(args[i]);
            }
        }
        if (moved.Count == 0) return (args, []);
        string notice = $"note: '{string.Join(' ', moved)}' after MODULE is taken as a host option, as the original host did; arguments for the guest that look like it go after '--'";
        return ([.. args[..module], .. moved, args[module], .. rest], [notice]);
    }

    private static bool LooksLikeModule(string word) =>
        !word.StartsWith('-') && (File.Exists(word) || word.Contains('/')
            || Path.GetExtension(word) is ".wasm" or ".wat" or ".cwasm");

    private static bool IsOption(Command command, string token) => Find(command, token) is not null;

    private static bool IsHelpOrVersion(RootCommand root, string token) =>
        Find(root, token) is System.CommandLine.Help.HelpOption or VersionOption;

    private static Option? Find(Command command, string token)
    {
        string name = token.Split('=', 2)[0];
        return command.Options.FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name))
            ?? command.Parents.OfType<Command>().SelectMany(p => p.Options).FirstOrDefault(o => o.Recursive && (o.Name == name || o.Aliases.Contains(name)));
    }
}
