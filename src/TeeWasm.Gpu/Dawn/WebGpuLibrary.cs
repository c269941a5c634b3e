using System.Runtime.InteropServices;
using TeeWasm.Gpu.Dawn.Native;

namespace TeeWasm.Gpu.Dawn;

/// <summary>Finds and loads Dawn's <c>libwebgpu_wrapper.so</c> (once per path per process; it is never unloaded).</summary>
public static class WebGpuLibrary
{
    /// <summary>The library's file name in the npm package.</summary>
    public const string FileName = "libwebgpu_wrapper.so";

    /// <summary>Where scripts/setup-webgpu.sh puts it, relative to the repository root.</summary>
    public const string RepositoryRelativePath = ".cache/webgpu/package/" + FileName;

    private static readonly Lock s_lock = new();
    private static readonly Dictionary<string, WgpuApi> s_loaded = new(StringComparer.Ordinal);

    /// <summary>
    /// The library path: <paramref name="configured"/>, else <c>$TEEWASM_WEBGPU_LIB</c>, else the first existing
    /// default location; throws <see cref="WebGpuUnavailableException"/> listing where it looked.
    /// </summary>
    public static string Resolve(string? configured = null)
    {
        if (!string.IsNullOrEmpty(configured))
            return File.Exists(configured) ? Path.GetFullPath(configured) : throw Missing($"the configured path '{configured}' does not exist");
        string? env = Environment.GetEnvironmentVariable(WebGpuOptions.LibraryEnvironmentVariable);
        if (!string.IsNullOrEmpty(env))
            return File.Exists(env) ? Path.GetFullPath(env) : throw Missing($"{WebGpuOptions.LibraryEnvironmentVariable}='{env}' does not exist");
        var candidates = DefaultCandidates().ToList();
        return candidates.FirstOrDefault(File.Exists)
            ?? throw Missing("looked in " + string.Join(", ", candidates));
    }

    /// <summary>The default places, in order: next to the binary, then <c>.cache/webgpu/package</c> above it and above the current directory.</summary>
    public static IEnumerable<string> DefaultCandidates()
    {
        yield return Path.Combine(AppContext.BaseDirectory, FileName);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, RepositoryRelativePath);
                if (seen.Add(candidate)) yield return candidate;
            }
        }
    }

    /// <summary>Loads the library at <paramref name="path"/> and resolves its entry points (cached).</summary>
    internal static WgpuApi Load(string path)
    {
        lock (s_lock)
        {
            if (s_loaded.TryGetValue(path, out var api)) return api;
            if (!NativeLibrary.TryLoad(path, out nint handle))
                throw new WebGpuUnavailableException($"cannot load the Dawn library '{path}' (wrong architecture or missing libstdc++?); re-run scripts/setup-webgpu.sh");
            api = new WgpuApi(handle, path);
            s_loaded[path] = api;
            return api;
        }
    }

    private static WebGpuUnavailableException Missing(string detail) =>
        new($"Dawn library {FileName} not found ({detail}); run scripts/setup-webgpu.sh or set {WebGpuOptions.LibraryEnvironmentVariable}");
}
