using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Parsing;

namespace TeeWasm.Cli.CommandLine;

/// <summary>
/// Turns what the parser found wrong into one line in the user's words: the first problem only, the option or command
/// it concerns, what was expected, a "did you mean" when a known name is close, and where the usage is.
/// </summary>
internal static class ParseErrors
{
    /// <summary>True when the command line has a problem (a parse error, or an unknown option taken as an argument).</summary>
    public static bool Any(ParseResult parse) => parse.Errors.Count > 0 || OptionTakenAsArgument(parse) is not null;

    /// <summary>The one line for <paramref name="parse"/>'s first problem (without "error: ").</summary>
    public static string Describe(ParseResult parse)
    {
        CommandResult command = parse.CommandResult;
        string help = $" (usage: tee-wasm help{Words(command)})";
        if (FirstUnknownToken(parse) is { } token) return Unknown(command, token) + help;
        ParseError error = parse.Errors[0];
        return error.SymbolResult switch
        {
            OptionResult o => ValueError(o.Option.Name, o.Option.ValueType, o.Option.HelpName, o.Tokens, error.Message, o.Option),
            ArgumentResult { Parent: OptionResult o } a => ValueError(o.Option.Name, o.Option.ValueType, o.Option.HelpName, a.Tokens, error.Message, o.Option),
            ArgumentResult a => ValueError(a.Argument.Name, a.Argument.ValueType, null, a.Tokens, error.Message, a.Argument),
            CommandResult c => CommandError(c, error.Message),
            _ => OneLine(error.Message),
        } + help;
    }

    /// <summary>" run", " kbs serve": the words after <c>tee-wasm</c> that name <paramref name="command"/>.</summary>
    public static string Words(CommandResult command)
    {
        var names = new List<string>();
        for (CommandResult? r = command; r is not null && r.Parent is not null; r = r.Parent as CommandResult) names.Insert(0, r.Command.Name);
        return names.Count == 0 ? "" : " " + string.Join(' ', names);
    }

    private static string? FirstUnknownToken(ParseResult parse) =>
        parse.UnmatchedTokens.Count > 0 ? parse.UnmatchedTokens[0] : OptionTakenAsArgument(parse);

    /// <summary>
    /// A token that looks like an option but was bound to an argument (e.g. <c>run --dirr x g.wasm</c> makes
    /// <c>--dirr</c> the MODULE): an unknown option, unless it came after <c>--</c> or went to an argument that takes
    /// everything after it (a guest's arguments).
    /// </summary>
    private static string? OptionTakenAsArgument(ParseResult parse)
    {
        var literal = new HashSet<Token>(ReferenceEqualityComparer.Instance);
        bool afterDoubleDash = false;
        foreach (Token t in parse.Tokens)
        {
            if (t.Type == TokenType.DoubleDash) afterDoubleDash = true;
            else if (afterDoubleDash) literal.Add(t);
        }
        foreach (ArgumentResult a in parse.CommandResult.Children.OfType<ArgumentResult>())
        {
            if (a.Argument.CaptureRemainingTokens) continue;
            foreach (Token t in a.Tokens)
                if (!literal.Contains(t) && LooksLikeOption(t.Value)) return t.Value;
        }
        return null;
    }

    internal static bool LooksLikeOption(string token) =>
        token.Length > 1 && token[0] == '-' && !double.TryParse(token, System.Globalization.CultureInfo.InvariantCulture, out _);

    private static string Unknown(CommandResult command, string token)
    {
        if (token.StartsWith('-'))
        {
            string name = token.Split('=', 2)[0];
            return $"unknown option '{name}'{Suggestions.DidYouMean(name, OptionNames(command))}";
        }
        var subcommands = command.Command.Subcommands.Where(c => !c.Hidden).ToList();
        if (subcommands.Count > 0)
        {
            string suggestion = Suggestions.DidYouMean(token, subcommands.SelectMany(c => c.Aliases.Prepend(c.Name)));
            return $"unknown command '{token}'" + (suggestion.Length > 0 ? suggestion : $"; commands: {string.Join(", ", subcommands.Select(c => c.Name))}");
        }
        return $"unexpected argument '{token}'";
    }

    /// <summary>Every option name and alias usable at <paramref name="command"/> (its own and its parents' recursive ones).</summary>
    internal static IEnumerable<string> OptionNames(CommandResult command)
    {
        for (SymbolResult? r = command; r is CommandResult c; r = c.Parent)
        {
            foreach (Option o in c.Command.Options)
            {
                if (o.Hidden || (r != command && !o.Recursive)) continue;
                yield return o.Name;
                foreach (string alias in o.Aliases) yield return alias;
            }
        }
    }

    /// <summary>
    /// An option's or argument's value is wrong. System.CommandLine's own messages (a value of the wrong type, one not
    /// among the allowed, none given) name .NET types or span lines: they are said again in words; a validator's
    /// message (ours, already in words) is kept.
    /// </summary>
    private static string ValueError(string name, Type valueType, string? helpName, IReadOnlyList<Token> tokens, string message, Symbol symbol)
    {
        bool isArgument = symbol is Argument;
        if (tokens.Count == 0)
            return isArgument ? $"missing {name}" : $"{name} needs a value{(helpName is null ? "" : $" ({helpName})")}";
        string value = tokens[^1].Value;
        if (message.Contains("Must be one of", StringComparison.Ordinal))
        {
            var choices = (symbol switch
            {
                Option o => o.GetCompletions(CompletionContext.Empty),
                Argument a => a.GetCompletions(CompletionContext.Empty),
                _ => [],
            }).Select(c => c.Label).ToList();
            string bad = tokens.Select(t => t.Value).FirstOrDefault(v => !choices.Contains(v, StringComparer.Ordinal)) ?? value;
            return $"{name} '{bad}': expected {Or(choices)}{Suggestions.DidYouMean(bad, choices)}";
        }
        if (message.StartsWith("Cannot parse argument", StringComparison.Ordinal) && Expected(valueType) is { } expected)
            return $"{name} '{value}': expected {expected}";
        return OneLine(message);
    }

    private static string CommandError(CommandResult c, string message)
    {
        var subcommands = c.Command.Subcommands.Where(s => !s.Hidden).Select(s => s.Name).ToList();
        if (subcommands.Count > 0 && c.Command.Action is null) return $"'tee-wasm{Words(c)}' needs a command: {Or(subcommands)}";
        foreach (Argument a in c.Command.Arguments)
        {
            if (a.Arity.MinimumNumberOfValues > 0 && c.GetResult(a) is not { Tokens.Count: > 0 })
                return $"missing {a.Name}";
        }
        foreach (Option o in c.Command.Options)
        {
            if (o.Required && c.GetResult(o) is null) return $"{o.Name} is required";
        }
        return OneLine(message);
    }

    /// <summary>What a value of <paramref name="type"/> must look like, in words; null for text.</summary>
    internal static string? Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? (type.IsArray ? type.GetElementType()! : type);
        if (type == typeof(int) || type == typeof(long) || type == typeof(short)) return "a whole number";
        if (type == typeof(uint) || type == typeof(ulong) || type == typeof(ushort) || type == typeof(byte)) return "a whole number, 0 or more";
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return "a number";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(string)) return "a string";
        return null;
    }

    private static string Or(IReadOnlyList<string> items) =>
        items.Count == 1 ? items[0] : string.Join(", ", items.Take(items.Count - 1)) + " or " + items[^1];

    /// <summary>A message folded onto one line.</summary>
    internal static string OneLine(string message) =>
        string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
