using System.Runtime.InteropServices;

namespace TeeWasm.Gpu.Dawn;

/// <summary>
/// Chooses the Vulkan driver before Dawn starts: a hardware driver when one is present, else Mesa's lavapipe through
/// <c>VK_DRIVER_FILES</c>. The variable is set in the native environment (the Vulkan loader reads it with getenv;
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> alone would not reach it).
/// </summary>
public static partial class VulkanDriverSelection
{
    /// <summary>The directories the Vulkan loader reads driver manifests from.</summary>
    public static readonly IReadOnlyList<string> IcdDirectories = ["/etc/vulkan/icd.d", "/usr/share/vulkan/icd.d", "/usr/local/share/vulkan/icd.d"];

    /// <summary>Lavapipe's manifest names (Mesa 25 from bookworm-backports uses the first).</summary>
    public static readonly IReadOnlyList<string> LavapipeManifestNames = ["lvp_icd.json", "lvp_icd.x86_64.json"];

    private static readonly Lock s_lock = new();
    private static string? s_decision;

    /// <summary>Applies the rule once per process and returns a sentence saying what was chosen and why.</summary>
    public static string Apply()
    {
        lock (s_lock)
        {
            return s_decision ??= Decide();
        }
    }

    /// <summary>The installed lavapipe manifest, or null.</summary>
    public static string? FindLavapipeManifest() =>
        IcdDirectories.SelectMany(d => LavapipeManifestNames.Select(n => Path.Combine(d, n))).FirstOrDefault(File.Exists);

    private static string Decide()
    {
        foreach (string v in new[] { "VK_DRIVER_FILES", "VK_ICD_FILENAMES" })
        {
            if (Environment.GetEnvironmentVariable(v) is { Length: > 0 } value)
                return $"Vulkan drivers from {v}={value} (set by the environment)";
        }
        string? nvidia = IcdDirectories.Select(d => Path.Combine(d, "nvidia_icd.json")).FirstOrDefault(File.Exists);
        if (nvidia is not null) return $"all Vulkan drivers (NVIDIA driver present: {nvidia})";
        if (Directory.Exists("/dev/dri") && Directory.EnumerateFiles("/dev/dri", "renderD*").Any())
            return "all Vulkan drivers (a /dev/dri render node is present)";
        string? lvp = FindLavapipeManifest();
        if (lvp is null) return "no NVIDIA driver, no render node and no lavapipe manifest: Dawn sees whatever the Vulkan loader finds";
        if (setenv("VK_DRIVER_FILES", lvp, 1) != 0)
            return $"no hardware GPU; setting VK_DRIVER_FILES={lvp} failed, Dawn sees whatever the Vulkan loader finds";
        Environment.SetEnvironmentVariable("VK_DRIVER_FILES", lvp);
        return $"no hardware GPU: Mesa lavapipe (VK_DRIVER_FILES={lvp})";
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
