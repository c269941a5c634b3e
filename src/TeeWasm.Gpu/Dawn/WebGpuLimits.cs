using TeeWasm.Gpu.Dawn.Native;

namespace TeeWasm.Gpu.Dawn;

/// <summary>The device limits that matter for compute.</summary>
public sealed record WebGpuLimits
{
    /// <summary>Largest buffer, in bytes.</summary>
    public ulong MaxBufferSize { get; init; }
    /// <summary>Largest storage binding, in bytes.</summary>
    public ulong MaxStorageBufferBindingSize { get; init; }
    /// <summary>Largest uniform binding, in bytes.</summary>
    public ulong MaxUniformBufferBindingSize { get; init; }
    /// <summary>Bind groups per pipeline.</summary>
    public uint MaxBindGroups { get; init; }
    /// <summary>Bindings per bind group.</summary>
    public uint MaxBindingsPerBindGroup { get; init; }
    /// <summary>Storage buffers per shader stage.</summary>
    public uint MaxStorageBuffersPerShaderStage { get; init; }
    /// <summary>Storage binding offset alignment, in bytes.</summary>
    public uint MinStorageBufferOffsetAlignment { get; init; }
    /// <summary>Workgroup memory, in bytes.</summary>
    public uint MaxComputeWorkgroupStorageSize { get; init; }
    /// <summary>Invocations per workgroup.</summary>
    public uint MaxComputeInvocationsPerWorkgroup { get; init; }
    /// <summary>Workgroup size, x.</summary>
    public uint MaxComputeWorkgroupSizeX { get; init; }
    /// <summary>Workgroup size, y.</summary>
    public uint MaxComputeWorkgroupSizeY { get; init; }
    /// <summary>Workgroup size, z.</summary>
    public uint MaxComputeWorkgroupSizeZ { get; init; }
    /// <summary>Workgroups per dispatch dimension.</summary>
    public uint MaxComputeWorkgroupsPerDimension { get; init; }

    internal static WebGpuLimits From(in WGPULimits l) => new()
    {
        MaxBufferSize = l.MaxBufferSize,
        MaxStorageBufferBindingSize = l.MaxStorageBufferBindingSize,
        MaxUniformBufferBindingSize = l.MaxUniformBufferBindingSize,
        MaxBindGroups = l.MaxBindGroups,
        MaxBindingsPerBindGroup = l.MaxBindingsPerBindGroup,
        MaxStorageBuffersPerShaderStage = l.MaxStorageBuffersPerShaderStage,
        MinStorageBufferOffsetAlignment = l.MinStorageBufferOffsetAlignment,
        MaxComputeWorkgroupStorageSize = l.MaxComputeWorkgroupStorageSize,
        MaxComputeInvocationsPerWorkgroup = l.MaxComputeInvocationsPerWorkgroup,
        MaxComputeWorkgroupSizeX = l.MaxComputeWorkgroupSizeX,
        MaxComputeWorkgroupSizeY = l.MaxComputeWorkgroupSizeY,
        MaxComputeWorkgroupSizeZ = l.MaxComputeWorkgroupSizeZ,
        MaxComputeWorkgroupsPerDimension = l.MaxComputeWorkgroupsPerDimension,
    };

    /// <summary>One line for <c>tee-wasm info</c>.</summary>
    public override string ToString() =>
        $"maxBufferSize {Mib(MaxBufferSize)}, maxStorageBufferBindingSize {Mib(MaxStorageBufferBindingSize)}, " +
        $"maxComputeInvocationsPerWorkgroup {MaxComputeInvocationsPerWorkgroup}, workgroup size ≤ {MaxComputeWorkgroupSizeX}x{MaxComputeWorkgroupSizeY}x{MaxComputeWorkgroupSizeZ}, " +
        $"maxComputeWorkgroupsPerDimension {MaxComputeWorkgroupsPerDimension}, maxStorageBuffersPerShaderStage {MaxStorageBuffersPerShaderStage}";

    private static string Mib(ulong bytes) => bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)} MiB" : $"{bytes} B";
}
