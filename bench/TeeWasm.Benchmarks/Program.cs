using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/TeeWasm.Benchmarks -- --filter '*' [--job short]
BenchmarkSwitcher.FromAssembly(typeof(TeeWasm.Benchmarks.Gpu.CpuMatmulBenchmarks).Assembly).Run(args);
