namespace TeeWasm.Tests.Shared;

/// <summary>Locates the repository root and the shared evidence vectors (../shared/vectors beside the checkout).</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    public static string Root => s_root.Value;

    /// <summary>The real evidence folder; CI clones the repo with shared/ beside it.</summary>
    public static string Vectors
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("TEEWASM_VECTORS");
            if (!string.IsNullOrEmpty(env)) return env;
            string beside = Path.GetFullPath(Path.Combine(Root, "..", "shared", "vectors"));
            if (Directory.Exists(beside)) return beside;
            string inside = Path.Combine(Root, "shared", "vectors");
            if (Directory.Exists(inside)) return inside;
            throw new DirectoryNotFoundException($"evidence vectors not found at {beside} (set TEEWASM_VECTORS)");
        }
    }

    public static string Vector(params string[] parts) => Path.Combine([Vectors, .. parts]);

    private static string FindRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "TeeWasm.sln"))) return d.FullName;
        }
        throw new DirectoryNotFoundException("repository root (TeeWasm.sln) not found above " + AppContext.BaseDirectory);
    }
}
