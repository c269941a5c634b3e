using System.CommandLine;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Cli.Commands;
using TeeWasm.Runtime;
using TeeWasm.Runtime.Interfaces.Gpu;

namespace TeeWasm.Cli;

/// <summary>The <c>tee-wasm</c> command line.</summary>
public static class TeeWasmCli
{
    /// <summary>Exit code for a wrong command line.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code when the host itself failed (not the guest).</summary>
    public const int HostError = 1;

    /// <summary>Parses and runs a command line; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var shared = new CliOptions();
        var root = new RootCommand("TeeWasm: run WebAssembly (WASI) guests with hardware attestation of the confidential VM and its GPUs.")
        {
            RunCommand.Create(shared, stdout, stderr),
            CompileCommand.Create(stdout),
            CacheCommand.Create(stdout),
            DetectCommand.Create(shared, stdout),
            AttestCommand.Create(shared, stdout, stderr),
            InfoCommand.Create(shared, stdout),
            VerifyCommand.Create(stdout),
            KbsCommand.Create(shared, stdout, stderr),
        };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
        {
            foreach (var error in parse.Errors) stderr.WriteLine("error: " + error.Message);
            stderr.WriteLine($"Run 'tee-wasm {string.Join(' ', CommandPath(parse))} --help' for usage.".Replace("  ", " "));
            return UsageError;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is UsageException or GpuUnavailableException)
        {
            // A --gpu backend this machine cannot provide is a wrong command line here, like an unknown one.
            stderr.WriteLine("error: " + e.Message);
            return UsageError;
        }
        catch (Exception e) when (e is WasmRuntimeException or AttestationException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine("error: " + e.Message);
            return HostError;
        }
    }

    private static IEnumerable<string> CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var r = parse.CommandResult; r is not null && r.Command is not RootCommand; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            names.Insert(0, r.Command.Name);
        return names;
    }
}
