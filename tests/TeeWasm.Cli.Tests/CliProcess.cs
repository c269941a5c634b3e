using System.Diagnostics;

namespace TeeWasm.Cli.Tests;

/// <summary>Runs the built <c>tee-wasm</c> as a real process, as a user would.</summary>
internal static class CliProcess
{
    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) => Run(new Dictionary<string, string>(), args);

    /// <summary>Runs it with <paramref name="environment"/> added to the inherited environment.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        RunIn(null, environment, args);

    /// <summary>Runs it in <paramref name="workingDirectory"/> (null: this one) with <paramref name="environment"/> added.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunIn(string? workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "tee-wasm.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["XDG_CACHE_HOME"] = Path.Combine(Path.GetTempPath(), "teewasm-cli-tests-cache");
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("tee-wasm " + string.Join(' ', args) + " did not finish");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Stderr without the host's log lines ("[tee-wasm] …", e.g. the --tee simulate warning): what a command says itself.</summary>
    public static string WithoutLog(string stderr) =>
        string.Concat(stderr.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("[tee-wasm] ", StringComparison.Ordinal)).Select(l => l + "\n"));
}
