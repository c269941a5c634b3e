using System.CommandLine;
using System.CommandLine.Help;

namespace TeeWasm.Cli.CommandLine;

/// <summary>
/// The help every command prints (<c>--help</c>, <c>tee-wasm help COMMAND</c>): System.CommandLine's, with the usage
/// line written as Wasmtime's CLI writes it, options before the arguments (<c>tee-wasm run [options] &lt;MODULE&gt;
/// [&lt;ARGS&gt;...]</c>), and an option whose value may be left out shown with it in brackets
/// (<c>--trust-simulator [DIR]</c>).
/// </summary>
internal static class HelpText
{
    /// <summary>The help <paramref name="parse"/> (whose action is the help action) asks for.</summary>
    public static string Render(ParseResult parse)
    {
        var text = new StringWriter();
        parse.Invoke(new InvocationConfiguration { Output = text, Error = text });
        return Rewrite(text.ToString(), parse.CommandResult.Command);
    }

    /// <summary>The help of the command <paramref name="words"/> name (e.g. ["kbs", "serve"]).</summary>
    public static string Render(RootCommand root, IReadOnlyList<string> words) => Render(root.Parse([.. words, "--help"]));

    internal static string Rewrite(string help, Command command)
    {
        var lines = help.Split('\n').ToList();
        int usage = lines.FindIndex(l => l.TrimEnd() == "Usage:");
        if (usage >= 0 && usage + 1 < lines.Count) lines[usage + 1] = "  " + UsageLine(command);
        string text = string.Join('\n', lines);
        foreach (Option option in OptionsOf(command))
        {
            if (option.Arity is { MinimumNumberOfValues: 0, MaximumNumberOfValues: 1 } && option.ValueType != typeof(bool) && option.HelpName is { } name)
                text = text.Replace($"{option.Name} <{name}>", $"{option.Name} [{name}]", StringComparison.Ordinal);
        }
        return text;
    }

    /// <summary>"tee-wasm run [options] &lt;MODULE&gt; [&lt;ARGS&gt;...]".</summary>
    internal static string UsageLine(Command command)
    {
        var words = Ancestors(command).Reverse().Append(command).Select(c => c is RootCommand ? "tee-wasm" : c.Name).ToList();
        if (command.Subcommands.Count > 0) words.Add("[command]");
        if (OptionsOf(command).Any(o => !o.Hidden)) words.Add("[options]");
        foreach (Argument a in command.Arguments.Where(a => !a.Hidden))
        {
            string name = $"<{a.Name}>" + (a.Arity.MaximumNumberOfValues > 1 ? "..." : "");
            words.Add(a.Arity.MinimumNumberOfValues == 0 ? $"[{name}]" : name);
        }
        return string.Join(' ', words);
    }

    /// <summary>Every command of the tree, <paramref name="root"/> first.</summary>
    public static IEnumerable<Command> All(Command root) => root.Subcommands.SelectMany(All).Prepend(root);

    private static IEnumerable<Option> OptionsOf(Command command) =>
        command.Options.Concat(Ancestors(command).SelectMany(p => p.Options.Where(o => o.Recursive)));

    /// <summary>The parent, its parent, … up to the root.</summary>
    internal static IEnumerable<Command> Ancestors(Command command)
    {
        for (Command? c = command.Parents.OfType<Command>().FirstOrDefault(); c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
            yield return c;
    }

    /// <summary>True when <paramref name="parse"/> asks for help.</summary>
    public static bool IsHelp(ParseResult parse) => parse.Action is HelpAction;
}
