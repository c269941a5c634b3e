namespace TeeWasm.Gpu.Dawn;

/// <summary>Base of the WebGPU object wrappers: owns one Dawn reference and releases it once.</summary>
public abstract class WebGpuObject : IDisposable
{
    private nint _handle;

    private protected WebGpuObject(WebGpuDevice device, nint handle)
    {
        Device = device;
        _handle = handle;
    }

    /// <summary>The device that made the object.</summary>
    public WebGpuDevice Device { get; }

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => _handle == 0;

    internal nint Handle => _handle != 0 ? _handle : throw new ObjectDisposedException(GetType().Name);

    /// <summary>Gives up the handle without releasing it (the caller now owns the reference).</summary>
    internal nint TakeHandle()
    {
        nint h = Handle;
        _handle = 0;
        return h;
    }

    /// <summary>Releases the Dawn reference.</summary>
    public void Dispose()
    {
        nint h = _handle;
        if (h == 0) return;
        _handle = 0;
        Release(h);
        GC.SuppressFinalize(this);
    }

    private protected abstract void Release(nint handle);
}

/// <summary>A compiled WGSL module.</summary>
public sealed unsafe class WebGpuShaderModule : WebGpuObject
{
    internal WebGpuShaderModule(WebGpuDevice device, nint handle, IReadOnlyList<ShaderCompilationMessage> messages)
        : base(device, handle) => Messages = messages;

    /// <summary>The compiler's warnings and info messages (errors throw instead).</summary>
    public IReadOnlyList<ShaderCompilationMessage> Messages { get; }

    private protected override void Release(nint handle) => Device.Api.ShaderModuleRelease(handle);
}

/// <summary>A bind group layout (explicit, or a pipeline's derived one).</summary>
public sealed unsafe class WebGpuBindGroupLayout : WebGpuObject
{
    internal WebGpuBindGroupLayout(WebGpuDevice device, nint handle) : base(device, handle) { }

    private protected override void Release(nint handle) => Device.Api.BindGroupLayoutRelease(handle);
}

/// <summary>A bind group of buffers.</summary>
public sealed unsafe class WebGpuBindGroup : WebGpuObject
{
    internal WebGpuBindGroup(WebGpuDevice device, nint handle) : base(device, handle) { }

    private protected override void Release(nint handle) => Device.Api.BindGroupRelease(handle);
}

/// <summary>A compute pipeline.</summary>
public sealed unsafe class WebGpuComputePipeline : WebGpuObject
{
    internal WebGpuComputePipeline(WebGpuDevice device, nint handle) : base(device, handle) { }

    /// <summary>The layout of bind group <paramref name="index"/> (for pipelines made with <c>layout: auto</c>).</summary>
    public WebGpuBindGroupLayout GetBindGroupLayout(uint index)
    {
        Device.ThrowIfUnusable();
        Device.PushErrorScopes();
        nint h = Device.Api.ComputePipelineGetBindGroupLayout(Handle, index);
        Device.ThrowOnError($"getting bind group layout {index} of a compute pipeline", h, Device.Api.BindGroupLayoutRelease);
        return new WebGpuBindGroupLayout(Device, h);
    }

    private protected override void Release(nint handle) => Device.Api.ComputePipelineRelease(handle);
}

/// <summary>Records compute dispatches and copies; errors surface when it is submitted.</summary>
public sealed unsafe class WebGpuCommandEncoder : WebGpuObject
{
    internal WebGpuCommandEncoder(WebGpuDevice device, nint handle) : base(device, handle) { }

    /// <summary>Records a compute pass: <paramref name="pipeline"/>, <paramref name="bindGroup"/> at group 0 (if any), and a dispatch of x·y·z workgroups.</summary>
    public void Dispatch(WebGpuComputePipeline pipeline, WebGpuBindGroup? bindGroup, uint x, uint y = 1, uint z = 1)
    {
        var api = Device.Api;
        nint pass = api.CommandEncoderBeginComputePass(Handle, null);
        api.ComputePassEncoderSetPipeline(pass, pipeline.Handle);
        if (bindGroup is not null) api.ComputePassEncoderSetBindGroup(pass, 0, bindGroup.Handle, 0, null);
        api.ComputePassEncoderDispatchWorkgroups(pass, x, y, z);
        api.ComputePassEncoderEnd(pass);
        api.ComputePassEncoderRelease(pass);
    }

    /// <summary>Records a copy of <paramref name="size"/> bytes between buffers (offsets and size multiples of 4).</summary>
    public void CopyBufferToBuffer(WebGpuBuffer source, ulong sourceOffset, WebGpuBuffer destination, ulong destinationOffset, ulong size) =>
        Device.Api.CommandEncoderCopyBufferToBuffer(Handle, source.Handle, sourceOffset, destination.Handle, destinationOffset, size);

    private protected override void Release(nint handle) => Device.Api.CommandEncoderRelease(handle);
}
