using System.CommandLine;
using Microsoft.Extensions.Logging;
using TeeWasm.Cli.CommandLine;
using TeeWasm.Cli.Commands;

namespace TeeWasm.Cli;

/// <summary>
/// The <c>tee-wasm</c> command line. Every command goes through <see cref="Run"/>: the shorthands of the original
/// host and Wasmtime (<see cref="Shorthands"/>), one-line parse errors with "did you mean"
/// (<see cref="ParseErrors"/>), the exit-code rule and one-line errors for whatever a command throws
/// (<see cref="Failures"/>), the log level, and the <c>--tee simulate</c> banner.
/// </summary>
public static class TeeWasmCli
{
    /// <summary>Exit code for a wrong command line (<see cref="ExitCodes.Usage"/>).</summary>
    public const int UsageError = ExitCodes.Usage;

    /// <summary>Exit code for a verdict or guest failure, or a host failure (<see cref="ExitCodes.Failure"/>).</summary>
    public const int HostError = ExitCodes.Failure;

    /// <summary>Parses and runs a command line; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var context = new CliContext(stdout, stderr);
        RootCommand root = CreateRootCommand(context);
        var (rewritten, notices) = Shorthands.Apply(root, args);
        ParseResult parse = root.Parse(rewritten);
        if (HelpText.IsHelp(parse))
        {
            stdout.Write(HelpText.Render(parse));
            return ExitCodes.Success;
        }
        if (ParseErrors.Any(parse))
        {
            stderr.WriteLine("error: " + ParseErrors.Describe(parse));
            return ExitCodes.Usage;
        }
        try
        {
            context.Logging = CliLogging.Create(CliLogging.Level(parse, Environment.GetEnvironmentVariable(CliLogging.Variable)), stderr);
            foreach (string notice in notices) context.Logger.LogInformation("{Notice}", notice);
            WarnWhenSimulated(parse, context.Logger);
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            var (code, message) = Failures.Describe(e);
            stderr.WriteLine("error: " + message);
            context.Logger.LogDebug(e, "where the error above came from");
            return code;
        }
        finally
        {
            context.Logging.Dispose();
        }
    }

    /// <summary>The command tree (every command, for help, parsing, and the tests that enumerate commands).</summary>
    internal static RootCommand CreateRootCommand(CliContext context)
    {
        var shared = new CliOptions();
        TextWriter stdout = context.Out, stderr = context.Error;
        var root = new RootCommand("TeeWasm: run WebAssembly (WASI) guests with hardware attestation of the confidential VM and its GPUs.")
        {
            RunCommand.Create(shared, context),
            CompileCommand.Create(stdout),
            CacheCommand.Create(stdout),
            DetectCommand.Create(shared, stdout),
            AttestCommand.Create(shared, stdout, stderr),
            InfoCommand.Create(shared, context),
            VerifyCommand.Create(stdout, stderr),
            KbsCommand.Create(shared, stdout, stderr),
        };
        root.Options.Add(CliLogging.CreateVerbose());
        root.Options.Add(CliLogging.CreateQuiet());
        root.Subcommands.Add(HelpCommand.Create(root, stdout));
        return root;
    }

    /// <summary>One line on stderr whenever attestation is simulated, so simulated evidence is never mistaken for hardware evidence.</summary>
    private static void WarnWhenSimulated(ParseResult parse, ILogger log)
    {
        if (parse.CommandResult.Command.Options.FirstOrDefault(o => o.Name == "--tee") is Option<string> tee && parse.GetValue(tee) == "simulate")
            log.LogWarning("warning: --tee simulate: attestation comes from the local simulator, not from hardware; its evidence proves nothing (development only)");
    }
}
