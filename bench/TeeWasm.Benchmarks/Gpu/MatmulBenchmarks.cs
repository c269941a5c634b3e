using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Cuda;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Benchmarks.Gpu;

/// <summary>
/// SGEMM (C = A·B, n×n, row-major) through IGpuBackend as a guest calls it (Matmul, then Sync), with a GFLOP/s column:
/// the CPU backend, and the CUDA backend (cuBLAS when present) where the CUDA driver sees a GPU.
/// </summary>
[Config(typeof(Config))]
public class MatmulBenchmarks
{
    private IGpuBackend _gpu = null!;
    private uint _a, _b, _c;

    /// <summary>The backends measured: cpu, and cuda where the CUDA driver starts.</summary>
    public static IEnumerable<string> Backends => CudaDriver.Start(null).Driver is null ? ["cpu"] : ["cpu", "cuda"];

    /// <summary>The backend.</summary>
    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "cpu";

    /// <summary>Matrix size.</summary>
    [Params(256, 512, 1024)]
    public int N { get; set; }

    /// <summary>Creates the backend and three n×n buffers of random floats.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _gpu = Backend == "cuda" ? new CudaBackend() : new CpuBackend();
        var rng = new Random(1);
        uint Upload()
        {
            var values = new float[N * N];
            for (int i = 0; i < values.Length; i++) values[i] = rng.NextSingle() - 0.5f;
            uint id = _gpu.BufferCreate((ulong)values.Length * 4, BufferUsage.Storage).Value;
            _gpu.BufferWrite(id, 0, MemoryMarshal.AsBytes(values.AsSpan()));
            return id;
        }
        _a = Upload();
        _b = Upload();
        _c = Upload();
    }

    /// <summary>Releases the buffers.</summary>
    [GlobalCleanup]
    public void Cleanup() => _gpu.Dispose();

    /// <summary>One multiplication, finished.</summary>
    [Benchmark]
    public GpuResult Matmul()
    {
        var result = _gpu.Matmul(new MatmulParams((uint)N, (uint)N, (uint)N, false, false, 1f, 0f), _a, _b, _c);
        _gpu.Sync();
        return result;
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new GflopsColumn());
    }

    /// <summary>2·n³ floating-point operations divided by the mean time.</summary>
    private sealed class GflopsColumn : IColumn
    {
        public string Id => "GFLOP/s";
        public string ColumnName => "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Billions of floating-point operations per second (2·n³ / mean time)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is not { } stats) return "NA";
            double n = Convert.ToDouble(benchmarkCase.Parameters["N"], System.Globalization.CultureInfo.InvariantCulture);
            return (2 * n * n * n / stats.Mean).ToString("F1", System.Globalization.CultureInfo.InvariantCulture); // flop per ns = GFLOP/s
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}
