using TeeWasm.Gpu.Dawn.Native;
using static TeeWasm.Gpu.Dawn.Native.WgpuConstants;

namespace TeeWasm.Gpu.Dawn;

/// <summary>A GPU buffer. Map it (after the GPU work that fills it was submitted) to read it on the host.</summary>
public sealed unsafe class WebGpuBuffer : WebGpuObject
{
    internal WebGpuBuffer(WebGpuDevice device, nint handle, ulong size, WebGpuBufferUsage usage) : base(device, handle)
    {
        Size = size;
        Usage = usage;
    }

    /// <summary>Size in bytes.</summary>
    public ulong Size { get; }

    /// <summary>Usage bits it was created with.</summary>
    public WebGpuBufferUsage Usage { get; }

    /// <summary>True while mapped.</summary>
    public bool IsMapped => Device.Api.BufferGetMapState(Handle) == BufferMapStateMapped;

    /// <summary>
    /// Maps <paramref name="size"/> bytes at <paramref name="offset"/> (offset a multiple of 8, size of 4) and waits
    /// until the GPU work before it is done; throws with Dawn's reason when it cannot.
    /// </summary>
    public void Map(WebGpuMapMode mode, ulong offset, ulong size)
    {
        Device.ThrowIfUnusable();
        if (offset > nuint.MaxValue || size > nuint.MaxValue) throw new WebGpuException("mapping a buffer: offset or size too large");
        nint h = Handle;
        ulong m = mode == WebGpuMapMode.Read ? MapModeRead : MapModeWrite;
        Device.PushErrorScopes();
        CallbackResult r;
        try
        {
            var cb = WebGpuDevice.Callback(WgpuCallbacks.BufferMap, out r);
            Device.Await("mapping a buffer", Device.Api.BufferMapAsync(h, m, (nuint)offset, (nuint)size, cb), cb, r);
        }
        finally
        {
            // Always balance the scopes; the callback's message is the more precise one.
            Device.PopErrorScopes();
        }
        if (r.Status != MapAsyncStatusSuccess)
            throw new WebGpuException("mapping a buffer: " + (r.Message?.Trim() ?? $"status {r.Status}"));
    }

    /// <summary>
    /// The mapped bytes <c>[offset, offset + size)</c>, valid until <see cref="Unmap"/>; throws when the buffer is not
    /// mapped or the range is outside the mapped range.
    /// </summary>
    public ReadOnlySpan<byte> GetMappedRange(ulong offset, ulong size)
    {
        Device.ThrowIfUnusable();
        if (size > int.MaxValue || offset > nuint.MaxValue) throw new WebGpuException("getting a mapped range: offset or size too large");
        void* p = Device.Api.BufferGetConstMappedRange(Handle, (nuint)offset, (nuint)size);
        if (p is null) throw new WebGpuException($"getting a mapped range: [{offset}, {offset + size}) is not mapped");
        return new ReadOnlySpan<byte>(p, (int)size);
    }

    /// <summary>Unmaps the buffer.</summary>
    public void Unmap()
    {
        Device.ThrowIfUnusable();
        Device.PushErrorScopes();
        Device.Api.BufferUnmap(Handle);
        Device.ThrowOnError("unmapping a buffer", 0, null);
    }

    /// <summary>Frees the GPU memory now (the object stays, unusable); <see cref="WebGpuObject.Dispose"/> also drops the reference.</summary>
    public void Destroy() => Device.Api.BufferDestroy(Handle);

    private protected override void Release(nint handle)
    {
        Device.Api.BufferDestroy(handle);
        Device.Api.BufferRelease(handle);
    }
}
