using System.CommandLine;
using TeeWasm.Cli.CommandLine;
using TeeWasm.Runtime.Modules;

namespace TeeWasm.Cli.Commands;

/// <summary><c>tee-wasm cache list|clear</c>: the compiled-module cache.</summary>
internal static class CacheCommand
{
    public static Command Create(TextWriter stdout)
    {
        var command = new Command("cache", $"The compiled-module cache (default {ModuleCache.DefaultDirectory}; at most {ModuleCache.DefaultMaxBytes >> 20} MiB, least recently used entries go first)");
        command.Subcommands.Add(List(stdout));
        command.Subcommands.Add(Clear(stdout));
        return command;
    }

    private static Option<string?> CacheDir() =>
        new("--cache-dir") { Description = $"The cache directory [default: {ModuleCache.DefaultDirectory}]", HelpName = "DIR" };

    private static Command List(TextWriter stdout)
    {
        var dir = CacheDir();
        var json = new Option<bool>("--json") { Description = "Print the list as JSON: {directory, max_bytes, total_bytes, modules: [{file, size, last_used, module_sha256, engine}]}" };
        var command = new Command("list", "List the cached modules, most recently used first: size, last use, module SHA-256 and engine") { dir, json };
        command.SetAction(parse =>
        {
            var cache = new ModuleCache(parse.GetValue(dir) ?? ModuleCache.DefaultDirectory);
            var entries = cache.List();
            if (parse.GetValue(json))
            {
                JsonOutput.Write(stdout, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("directory", cache.Directory);
                    w.WriteNumber("max_bytes", cache.MaxBytes);
                    w.WriteNumber("total_bytes", entries.Sum(e => e.Size));
                    w.WriteStartArray("modules");
                    foreach (var e in entries)
                    {
                        w.WriteStartObject();
                        w.WriteString("file", e.Path);
                        w.WriteNumber("size", e.Size);
                        w.WriteString("last_used", e.LastUsedUtc);
                        w.StringOrNull("module_sha256", e.ModuleHash);
                        w.StringOrNull("engine", e.EngineId);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                });
                return ExitCodes.Success;
            }
            stdout.WriteLine($"{cache.Directory}: {entries.Count} module(s), {Size(entries.Sum(e => e.Size))} of at most {Size(cache.MaxBytes)}");
            foreach (var e in entries)
            {
                string what = e.ModuleHash is null ? "unreadable (made by an older tee-wasm, or damaged)" : $"{e.ModuleHash[..16]}  {e.EngineId}";
                stdout.WriteLine($"  {Size(e.Size),10}  {e.LastUsedUtc.ToLocalTime():yyyy-MM-dd HH:mm}  {what}");
            }
            return 0;
        });
        return command;
    }

    private static Command Clear(TextWriter stdout)
    {
        var dir = CacheDir();
        var command = new Command("clear", "Delete every cached module") { dir };
        command.SetAction(parse =>
        {
            var cache = new ModuleCache(parse.GetValue(dir) ?? ModuleCache.DefaultDirectory);
            var (entries, bytes) = cache.Clear();
            stdout.WriteLine($"{cache.Directory}: removed {entries} module(s), {Size(bytes)}");
            return 0;
        });
        return command;
    }

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KiB",
        _ => $"{bytes / (1024.0 * 1024):0.#} MiB",
    };
}
