using System.CommandLine;

namespace TeeWasm.Cli.CommandLine;

/// <summary><c>tee-wasm help [COMMAND...]</c>: the help of a command, as <c>tee-wasm COMMAND --help</c> prints it (Wasmtime's convention).</summary>
internal static class HelpCommand
{
    public static Command Create(RootCommand root, TextWriter stdout)
    {
        var words = new Argument<string[]>("COMMAND") { Description = "The command (e.g. run, or kbs serve)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("help", "Show the help of tee-wasm or of a command") { words };
        command.SetAction(parse =>
        {
            string[] path = parse.GetValue(words) ?? [];
            Command target = root;
            foreach (string word in path)
            {
                Command? next = target.Subcommands.FirstOrDefault(c => c.Name == word || c.Aliases.Contains(word));
                if (next is null)
                {
                    var names = target.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
                    string suggestion = Suggestions.DidYouMean(word, names);
                    throw new UsageException($"help: unknown command '{word}'" + (suggestion.Length > 0 ? suggestion : $"; commands: {string.Join(", ", names)}"));
                }
                target = next;
            }
            stdout.Write(HelpText.Render(root, path));
            return ExitCodes.Success;
        });
        return command;
    }
}
