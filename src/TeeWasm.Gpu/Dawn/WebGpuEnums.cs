namespace TeeWasm.Gpu.Dawn;

/// <summary>The graphics API behind an adapter (values of webgpu.h's <c>WGPUBackendType</c>).</summary>
public enum WebGpuBackendType
{
    /// <summary>Not given.</summary>
    Undefined = 0,
    /// <summary>Dawn's Null backend: computes nothing. TeeWasm refuses it.</summary>
    Null = 1,
    /// <summary>WebGPU on WebGPU.</summary>
    WebGpu = 2,
    /// <summary>Direct3D 11.</summary>
    D3D11 = 3,
    /// <summary>Direct3D 12.</summary>
    D3D12 = 4,
    /// <summary>Metal.</summary>
    Metal = 5,
    /// <summary>Vulkan (NVIDIA's driver, Mesa's lavapipe, ...).</summary>
    Vulkan = 6,
    /// <summary>OpenGL.</summary>
    OpenGL = 7,
    /// <summary>OpenGL ES.</summary>
    OpenGLES = 8,
}

/// <summary>The kind of adapter (values of webgpu.h's <c>WGPUAdapterType</c>).</summary>
public enum WebGpuAdapterType
{
    /// <summary>Not reported.</summary>
    None = 0,
    /// <summary>A discrete GPU.</summary>
    DiscreteGpu = 1,
    /// <summary>An integrated GPU.</summary>
    IntegratedGpu = 2,
    /// <summary>A CPU implementation (lavapipe, SwiftShader).</summary>
    Cpu = 3,
    /// <summary>Unknown.</summary>
    Unknown = 4,
}

/// <summary>Buffer usage bits (WebGPU values; the guest ABI uses the same numbers).</summary>
[Flags]
public enum WebGpuBufferUsage : ulong
{
    /// <summary>No usage.</summary>
    None = 0,
    /// <summary>Mappable for reading (only with <see cref="CopyDst"/>).</summary>
    MapRead = 0x1,
    /// <summary>Mappable for writing (only with <see cref="CopySrc"/>).</summary>
    MapWrite = 0x2,
    /// <summary>Source of copies.</summary>
    CopySrc = 0x4,
    /// <summary>Destination of copies and queue writes.</summary>
    CopyDst = 0x8,
    /// <summary>Index buffer.</summary>
    Index = 0x10,
    /// <summary>Vertex buffer.</summary>
    Vertex = 0x20,
    /// <summary>Uniform buffer binding.</summary>
    Uniform = 0x40,
    /// <summary>Storage buffer binding.</summary>
    Storage = 0x80,
    /// <summary>Indirect dispatch arguments.</summary>
    Indirect = 0x100,
    /// <summary>Query resolve target.</summary>
    QueryResolve = 0x200,
}

/// <summary>How a shader sees a bound buffer.</summary>
public enum WebGpuBindingKind
{
    /// <summary><c>var&lt;storage, read_write&gt;</c>.</summary>
    Storage = 0,
    /// <summary><c>var&lt;storage, read&gt;</c>.</summary>
    ReadOnlyStorage = 1,
    /// <summary><c>var&lt;uniform&gt;</c>.</summary>
    Uniform = 2,
}

/// <summary>What a buffer is mapped for.</summary>
public enum WebGpuMapMode
{
    /// <summary>Read the buffer's contents on the host.</summary>
    Read = 1,
    /// <summary>Write the buffer's contents from the host.</summary>
    Write = 2,
}

/// <summary>One buffer binding of an explicit bind group layout (compute stage).</summary>
/// <param name="Binding">The <c>@binding</c> number.</param>
/// <param name="Kind">Storage read-write, storage read-only or uniform.</param>
/// <param name="MinBindingSize">Smallest buffer size accepted, in bytes; 0 for no minimum.</param>
public readonly record struct WebGpuBindingEntry(uint Binding, WebGpuBindingKind Kind, ulong MinBindingSize = 0);
