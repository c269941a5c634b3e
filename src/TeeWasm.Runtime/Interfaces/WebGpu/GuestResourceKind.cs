namespace TeeWasm.Runtime.Interfaces.WebGpu;

/// <summary>What a guest-visible <c>wasi:webgpu</c> id refers to.</summary>
internal enum GuestResourceKind
{
    Instance,
    Adapter,
    Device,
    Queue,
    Buffer,
    ShaderModule,
    BindGroupLayout,
    ComputePipeline,
    BindGroup,
    CommandEncoder,
}
