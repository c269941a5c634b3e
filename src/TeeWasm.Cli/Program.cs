using TeeWasm.Cli;

return TeeWasmCli.Run(args, Console.Out, Console.Error);
