namespace TeeWasm.DeviceCheck;

/// <summary>The device check's figure: matmul GFLOP/s per backend and size (log scale), and the RF guests' training ms per backend.</summary>
internal static class Plot
{
    public static void Write(IReadOnlyList<MatmulResult> matmul, IReadOnlyList<RfResult> rf, string path)
    {
        var left = new ScottPlot.Plot();
        var right = new ScottPlot.Plot();
        var multiplot = new ScottPlot.Multiplot(left) { Layout = new ScottPlot.MultiplotLayouts.Columns() };
        multiplot.Subplots.Add(right);

        string[] backends = MatmulMeasurement.Backends;
        var sizes = matmul.Select(m => m.N).Distinct().Order().ToList();
        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<ScottPlot.Bar>();
        for (int b = 0; b < backends.Length; b++)
        {
            for (int s = 0; s < sizes.Count; s++)
            {
                double? gflops = matmul.FirstOrDefault(m => m.Backend == backends[b] && m.N == sizes[s])?.Gflops;
                if (gflops is null or <= 0) continue;
                bars.Add(new ScottPlot.Bar
                {
                    Position = (b * (sizes.Count + 1)) + s,
                    Value = Math.Log10(gflops.Value),
                    FillColor = palette.GetColor(s),
                    Label = gflops.Value.ToString("0", System.Globalization.CultureInfo.InvariantCulture),
                });
            }
        }
        left.Add.Bars(bars);
        left.Axes.Bottom.SetTicks(backends.Select((_, b) => (b * (sizes.Count + 1)) + ((sizes.Count - 1) / 2.0)).ToArray(), backends);
        for (int s = 0; s < sizes.Count; s++) left.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = $"n = {sizes[s]}", FillColor = palette.GetColor(s) });
        left.ShowLegend(ScottPlot.Alignment.UpperLeft);
        left.Axes.SetLimitsX(-1, backends.Length * (sizes.Count + 1) - 1); // every backend has its place, measured or not
        left.Title("matmul GFLOP/s (log10; label: GFLOP/s)");
        left.Axes.Left.Label.Text = "log10 GFLOP/s";

        string[] rfBackends = ["cuda", "webgpu", "cpu"];
        var trainBars = new List<ScottPlot.Bar>();
        for (int b = 0; b < rfBackends.Length; b++)
        {
            var runs = rf.Where(r => r.Backend == rfBackends[b] && r.TrainingMs is not null).Select(r => r.TrainingMs!.Value).ToList();
            if (runs.Count == 0) continue;
            double median = Summary.Median(runs);
            trainBars.Add(new ScottPlot.Bar { Position = b, Value = median, FillColor = palette.GetColor(b), Label = median.ToString("0", System.Globalization.CultureInfo.InvariantCulture) });
        }
        right.Add.Bars(trainBars);
        right.Axes.Bottom.SetTicks([0, 1, 2], rfBackends);
        right.Axes.SetLimitsX(-0.6, rfBackends.Length - 0.4);
        right.Title("RF guests: training ms (median)");
        const int Width = 1200, Height = 450;
        using var surface = SkiaSharp.SKSurface.Create(new SkiaSharp.SKImageInfo(Width, Height));
        surface.Canvas.Clear(SkiaSharp.SKColors.White);
        multiplot.Render(surface.Canvas, new ScottPlot.PixelRect(0, Width, Height, 0));
        using var image = surface.Snapshot();
        using var png = image.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, png.ToArray());
    }
}
