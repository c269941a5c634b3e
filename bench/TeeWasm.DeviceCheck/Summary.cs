using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace TeeWasm.DeviceCheck;

/// <summary>The table of the device check (backend × RF train ms, MSE, matmul GFLOP/s) and its two goals.</summary>
internal static class Summary
{
    public static JsonObject Build(IReadOnlyList<MatmulResult> matmul, IReadOnlyList<RfResult> rf)
    {
        var rows = new JsonArray();
        foreach (string backend in MatmulMeasurement.Backends)
        {
            var row = new JsonObject { ["backend"] = backend };
            foreach (var m in matmul.Where(m => m.Backend == backend)) row[$"matmul_{m.N}_gflops"] = m.Gflops is { } g ? Math.Round(g, 1) : null;
            var runs = rf.Where(r => r.Backend == backend && r.TrainingMs is not null).ToList();
            if (runs.Count > 0)
            {
                row["rf_train_ms_median"] = Math.Round(Median(runs.Select(r => r.TrainingMs!.Value)), 1);
                row["rf_infer_ms_median"] = Math.Round(Median(runs.Select(r => r.InferenceMs!.Value)), 2);
                row["rf_mse_median"] = Math.Round(Median(runs.Select(r => r.Mse!.Value)), 1);
                row["rf_all_in_band"] = runs.All(r => r.InBand == true);
            }
            rows.Add(row);
        }
        double? cudaTflops = matmul.FirstOrDefault(m => m.Backend == "cuda" && m.N == 4096)?.Gflops / 1000;
        double? Train(string b) => rf.Where(r => r.Backend == b && r.TrainingMs is not null).Select(r => r.TrainingMs!.Value) is var t && t.Any() ? Median(t) : null;
        double? gpuTrain = new[] { Train("cuda"), Train("webgpu") }.Where(t => t is not null).Min(), cpuTrain = Train("cpu");
        return new JsonObject
        {
            ["rows"] = rows,
            ["goal_cuda_matmul_4096_tflops_at_least_20"] = cudaTflops is null ? "not measured" : cudaTflops >= 20 ? $"met ({cudaTflops:0.0})" : $"missed ({cudaTflops:0.0})",
            ["goal_rf_gpu_training_faster_than_cpu"] = gpuTrain is null || cpuTrain is null ? "not measured" : gpuTrain < cpuTrain ? $"met ({gpuTrain:0} < {cpuTrain:0} ms)" : $"missed ({gpuTrain:0} ≥ {cpuTrain:0} ms)",
        };
    }

    public static string Table(IReadOnlyList<MatmulResult> matmul, IReadOnlyList<RfResult> rf)
    {
        var sizes = matmul.Select(m => m.N).Distinct().Order().ToList();
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{"backend",-11} {"RF train ms",12} {"RF infer ms",12} {"MSE",8}");
        foreach (int n in sizes) text.Append(CultureInfo.InvariantCulture, $" {$"GFLOP/s n={n}",16}");
        text.AppendLine();
        foreach (string backend in MatmulMeasurement.Backends)
        {
            var runs = rf.Where(r => r.Backend == backend && r.TrainingMs is not null).ToList();
            string F(double? v, string format) => v is null ? "-" : v.Value.ToString(format, CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture, $"{backend,-11} {F(runs.Count > 0 ? Median(runs.Select(r => r.TrainingMs!.Value)) : null, "0.0"),12} " +
                $"{F(runs.Count > 0 ? Median(runs.Select(r => r.InferenceMs!.Value)) : null, "0.00"),12} {F(runs.Count > 0 ? Median(runs.Select(r => r.Mse!.Value)) : null, "0.0"),8}");
            foreach (int n in sizes) text.Append(CultureInfo.InvariantCulture, $" {F(matmul.FirstOrDefault(m => m.Backend == backend && m.N == n)?.Gflops, "0.0"),16}");
            text.AppendLine();
        }
        foreach (var skipped in matmul.Where(m => m.Skipped is not null).GroupBy(m => (m.Backend, m.Skipped)))
            text.AppendLine(CultureInfo.InvariantCulture, $"matmul {skipped.Key.Backend}: {skipped.Key.Skipped}");
        foreach (var failed in rf.Where(r => r.Error is not null).GroupBy(r => (r.Backend, r.Error)))
            text.AppendLine(CultureInfo.InvariantCulture, $"rf {failed.Key.Backend}: {failed.Key.Error}");
        return text.ToString();
    }

    public static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToList();
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[(v.Count / 2) - 1] + v[v.Count / 2]) / 2;
    }
}
