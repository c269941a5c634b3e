namespace TeeWasm.Gpu.Dawn;

/// <summary>Where the Dawn library is and how the engine waits.</summary>
public sealed record WebGpuOptions
{
    /// <summary>Environment variable that overrides the library path.</summary>
    public const string LibraryEnvironmentVariable = "TEEWASM_WEBGPU_LIB";

    /// <summary>
    /// Path of <c>libwebgpu_wrapper.so</c>; null looks at <c>$TEEWASM_WEBGPU_LIB</c>, next to the binary, then
    /// <c>.cache/webgpu/package/</c> in the directories above the binary and the current directory.
    /// </summary>
    public string? LibraryPath { get; init; }

    /// <summary>Longest wait for one asynchronous operation (adapter, device, map, compilation info).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// When true (default) and neither <c>VK_DRIVER_FILES</c> nor <c>VK_ICD_FILENAMES</c> is set, no NVIDIA Vulkan
    /// driver is installed and no <c>/dev/dri</c> render node exists, point the Vulkan loader at Mesa's lavapipe.
    /// </summary>
    public bool SelectVulkanDriver { get; init; } = true;

    /// <summary>The backend asked of Dawn (tests ask for <see cref="WebGpuBackendType.Null"/> to prove it is refused).</summary>
    internal WebGpuBackendType RequestedBackend { get; init; } = WebGpuBackendType.Vulkan;
}
