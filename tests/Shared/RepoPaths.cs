namespace TeeWasm.Tests.Shared;

/// <summary>Locates the repository root and the evidence vectors vendored in tests/TestData.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    public static string Root => s_root.Value;

    /// <summary>The real evidence folder: tests/TestData (see its README), or TEEWASM_VECTORS when set.</summary>
    public static string Vectors
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("TEEWASM_VECTORS");
            if (!string.IsNullOrEmpty(env)) return env;
            string vendored = Path.Combine(Root, "tests", "TestData");
            if (Directory.Exists(vendored)) return vendored;
            throw new DirectoryNotFoundException($"evidence vectors not found at {vendored} (set TEEWASM_VECTORS)");
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
