using System.CommandLine;
using System.Text;
using TeeWasm.Cli.CommandLine;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests.CommandLine;

/// <summary>
/// The exit-code rule (docs/cli.md, "Exit codes") for every command of the command tree: each is run with a usage
/// error, a missing file, a bad file, a failure and a success; every error is one line on stderr; the table the runs
/// make is the one committed in docs/cli.md. A command added to the tree without a row here fails this test.
/// </summary>
public sealed class ExitCodeTableTests : IDisposable
{
    private const string TableStart = "<!-- exit-code-table: made by tests/TeeWasm.Cli.Tests/CommandLine/ExitCodeTableTests.cs -->";
    private const string TableEnd = "<!-- /exit-code-table -->";

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A column: what goes wrong.</summary>
    private enum Case { UsageError, MissingFile, BadFile, Failure, Success }

    /// <summary>One cell: the command line (after <c>tee-wasm</c>) and the code the rule gives it.</summary>
    private sealed record Cell(string Args, int Expected);

    private string P(string name) => Path.Combine(_dir.Path, name);

    /// <summary>Rows by command path. The usage-error cell is made for every command (an unknown option).</summary>
    private Dictionary<string, Dictionary<Case, Cell>> Scenarios()
    {
        File.WriteAllText(P("ok.wat"), "(module (memory (export \"memory\") 1) (func (export \"_start\")))");
        File.WriteAllText(P("missing-import.wat"), "(module (import \"env\" \"nope\" (func)) (memory (export \"memory\") 1) (func (export \"_start\")))");
        File.WriteAllText(P("garbage.wasm"), "this is not WebAssembly");
        File.WriteAllText(P("garbage.json"), "{\"tee_type\": ");
        File.WriteAllText(P("typo-policy.json"), "{\"default\": {\"allow_debgu\": true}}");
        File.WriteAllBytes(P("key.bin"), new byte[32]);
        File.WriteAllText(P("short.key"), "abcd");
        File.WriteAllText(P("plain.txt"), "secret data");
        Directory.CreateDirectory(P("secrets"));
        Directory.CreateDirectory(P("cache"));
        string sim = "--simulator-dir " + P("sim");
        Assert.Equal(0, Cli($"attest vm --tee simulate {sim} --out {P("vm.json")}").Code);
        return new()
        {
            ["run"] = new()
            {
                [Case.MissingFile] = new($"run {P("nosuch.wasm")}", ExitCodes.Usage),
                [Case.BadFile] = new($"run --no-cache {P("garbage.wasm")}", ExitCodes.Usage),
                [Case.Failure] = new($"run --no-cache {P("missing-import.wat")}", ExitCodes.Failure),
                [Case.Success] = new($"run --no-cache {P("ok.wat")}", ExitCodes.Success),
            },
            ["compile"] = new()
            {
                [Case.MissingFile] = new($"compile {P("nosuch.wasm")}", ExitCodes.Usage),
                [Case.BadFile] = new($"compile {P("garbage.wasm")} -o {P("garbage.cwasm")}", ExitCodes.Usage),
                [Case.Success] = new($"compile {P("ok.wat")} -o {P("ok.cwasm")}", ExitCodes.Success),
            },
            ["cache list"] = new() { [Case.Success] = new($"cache list --cache-dir {P("cache")}", ExitCodes.Success) },
            ["cache clear"] = new() { [Case.Success] = new($"cache clear --cache-dir {P("cache")}", ExitCodes.Success) },
            ["detect"] = new() { [Case.Success] = new("detect --tee none", ExitCodes.Success) },
            ["attest"] = new()
            {
                [Case.MissingFile] = new($"attest vm --tee simulate {sim} --module {P("nosuch.wasm")}", ExitCodes.Usage),
                [Case.Failure] = new("attest vm --tee none", ExitCodes.Failure),
                [Case.Success] = new($"attest vm --tee simulate {sim} --out {P("vm2.json")}", ExitCodes.Success),
            },
            ["info"] = new() { [Case.Success] = new("info --tee none", ExitCodes.Success) },
            ["verify"] = new()
            {
                [Case.MissingFile] = new($"verify {P("nosuch.json")}", ExitCodes.Usage),
                [Case.BadFile] = new($"verify {P("garbage.json")}", ExitCodes.Usage),
                [Case.Failure] = new($"verify {P("vm.json")}", ExitCodes.Failure),
                [Case.Success] = new($"verify {P("vm.json")} --trust-simulator {P("sim")}", ExitCodes.Success),
            },
            ["kbs serve"] = new()
            {
                [Case.MissingFile] = new($"kbs serve --secrets {P("nosuch")}", ExitCodes.Usage),
                [Case.BadFile] = new($"kbs serve --secrets {P("secrets")} --policy {P("typo-policy.json")}", ExitCodes.Usage),
            },
            ["kbs get"] = new()
            {
                [Case.MissingFile] = new($"kbs get demo --url http://127.0.0.1:1 --module {P("nosuch.wasm")}", ExitCodes.Usage),
                [Case.Failure] = new("kbs get demo --url http://127.0.0.1:1 --tee none", ExitCodes.Failure),
            },
            ["kbs keygen"] = new()
            {
                [Case.Success] = new($"kbs keygen {P("new.key")}", ExitCodes.Success),
            },
            ["kbs encrypt"] = new()
            {
                [Case.MissingFile] = new($"kbs encrypt --key-file {P("key.bin")} --in {P("nosuch.txt")} --out {P("x.enc")}", ExitCodes.Usage),
                [Case.BadFile] = new($"kbs encrypt --key-file {P("short.key")} --in {P("plain.txt")} --out {P("x.enc")}", ExitCodes.Usage),
                [Case.Success] = new($"kbs encrypt --key-file {P("key.bin")} --in {P("plain.txt")} --out {P("x.enc")}", ExitCodes.Success),
            },
            ["help"] = new()
            {
                [Case.Success] = new("help run", ExitCodes.Success),
            },
        };
    }

    private static (int Code, string Out, string Err) Cli(string args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = TeeWasmCli.Run(args.Split(' ', StringSplitOptions.RemoveEmptyEntries), o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>Every command that does something (has an action), by its words after <c>tee-wasm</c>.</summary>
    internal static List<string> CommandPaths()
    {
        RootCommand root = TeeWasmCli.CreateRootCommand(new CliContext(TextWriter.Null, TextWriter.Null));
        var paths = new List<string>();
        void Walk(Command c, string prefix)
        {
            string path = c is RootCommand ? "" : (prefix + " " + c.Name).Trim();
            if (c.Action is not null && path.Length > 0) paths.Add(path);
            foreach (Command sub in c.Subcommands) Walk(sub, path);
        }
        Walk(root, "");
        return paths;
    }

    [Fact]
    public void EveryCommand_FollowsTheExitCodeRule_AndTheTableInTheDocsIsWhatItDoes()
    {
        var scenarios = Scenarios();
        List<string> commands = CommandPaths();
        Assert.True(commands.All(scenarios.ContainsKey), "commands without a row here: " + string.Join(", ", commands.Where(c => !scenarios.ContainsKey(c))));
        Assert.Empty(scenarios.Keys.Except(commands));

        var table = new StringBuilder();
        table.Append("| command | usage error | missing file | bad file | failure | success |\n");
        table.Append("|---|---|---|---|---|---|\n");
        var lines = new StringBuilder();
        foreach (string command in commands)
        {
            var row = scenarios[command];
            row[Case.UsageError] = new($"{command} --no-such-option", ExitCodes.Usage);
            var cells = new List<string>();
            foreach (Case c in Enum.GetValues<Case>())
            {
                if (!row.TryGetValue(c, out Cell? cell))
                {
                    cells.Add("—");
                    continue;
                }
                var (code, _, err) = Cli(cell.Args);
                Assert.True(code == cell.Expected, $"tee-wasm {cell.Args}: exit {code}, the rule says {cell.Expected}; stderr: {err}");
                if (code != 0)
                {
                    // A usage error is one line; a failure says why in at most one (a rejected verdict is on stdout).
                    string[] errors = [.. err.Split('\n').Where(l => l.StartsWith("error: ", StringComparison.Ordinal))];
                    Assert.True(errors.Length == 1 || (code == ExitCodes.Failure && errors.Length == 0), $"tee-wasm {cell.Args}: one error line expected, stderr: {err}");
                    Assert.DoesNotContain("System.", err);
                    Assert.DoesNotContain("   at ", err);
                }
                cells.Add(code.ToString());
                lines.Append($"- `{command}`, {Name(c)}: `tee-wasm {cell.Args.Replace(_dir.Path + "/", "", StringComparison.Ordinal)}` → {code}\n");
            }
            table.Append($"| `tee-wasm {command}` | {string.Join(" | ", cells)} |\n");
        }
        string made = (table + "\n" + lines).Trim();

        string doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "cli.md"));
        int start = doc.IndexOf(TableStart, StringComparison.Ordinal), end = doc.IndexOf(TableEnd, StringComparison.Ordinal);
        string madePath = Path.Combine(AppContext.BaseDirectory, "exit-code-table.md");
        File.WriteAllText(madePath, made + "\n");
        Assert.True(start >= 0 && end > start, "docs/cli.md has no exit-code table markers");
        string committed = doc[(start + TableStart.Length)..end].Trim();
        Assert.True(committed == made, $"docs/cli.md's exit-code table is not what the commands do; the table they make (also in {madePath}):\n{made}");
    }

    [Fact]
    public void ATrap_Exits134()
    {
        File.WriteAllText(P("trap.wat"), "(module (memory (export \"memory\") 1) (func (export \"_start\") unreachable))");
        Assert.Equal(ExitCodes.Trap, Cli($"run --no-cache {P("trap.wat")}").Code);
        Assert.Equal(134, ExitCodes.Trap);
    }

    [Fact]
    public void GuestExitCodes_ArePassedThrough()
    {
        File.WriteAllText(P("exit3.wat"), """
            (module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1) (func (export "_start") i32.const 3 call $exit))
            """);
        Assert.Equal(3, Cli($"run --no-cache {P("exit3.wat")}").Code);
    }

    private static string Name(Case c) => c switch
    {
        Case.UsageError => "usage error",
        Case.MissingFile => "missing file",
        Case.BadFile => "bad file",
        Case.Failure => "failure",
        _ => "success",
    };
}
