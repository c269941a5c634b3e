using System.CommandLine;
using TeeWasm.Cli.CommandLine;
using TeeWasm.Runtime.Modules;

namespace TeeWasm.Cli.Commands;

/// <summary><c>tee-wasm compile MODULE [-o OUT] [--fuel]</c>: compile a module ahead of time.</summary>
internal static class CompileCommand
{
    public static Command Create(TextWriter stdout)
    {
        var module = new Argument<string>("MODULE") { Description = "The module to compile: .wasm (or .wat text)" }.ExistingFile("module file");
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the precompiled module [default: MODULE with the extension .cwasm]", HelpName = "FILE" }.WritableFile();
        var fuel = new Option<bool>("--fuel") { Description = "Compile for runs with --fuel (fuel metering); such a module runs only with --fuel, and one without only without" };
        var command = new Command("compile", "Compile a module ahead of time into a precompiled module (.cwasm) for `tee-wasm run --allow-precompiled`: no compilation at start-up. It is tied to this Wasmtime version and these settings, and refused by any other")
        {
            module, output, fuel,
        };
        command.SetAction(parse =>
        {
            string input = parse.GetValue(module)!;
            string target = parse.GetValue(output) ?? Path.ChangeExtension(input, ".cwasm");
            if (Path.GetFullPath(target) == Path.GetFullPath(input)) throw new UsageException($"--output '{target}' would overwrite the module itself");
            var written = ModuleLoader.Compile(input, target, new EngineSettings { Fuel = parse.GetValue(fuel) });
            stdout.WriteLine($"compiled '{input}' to '{target}' ({new FileInfo(target).Length} bytes; {written.EngineId}; module sha256 {Convert.ToHexStringLower(written.ModuleHash)})");
            return 0;
        });
        return command;
    }
}
