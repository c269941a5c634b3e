using System.Runtime.InteropServices;

namespace TeeWasm.Gpu.Dawn.Native;

// Struct layouts of Dawn's webgpu.h at the revision libwebgpu_wrapper.so (bun-webgpu-linux-x64 0.1.7) was built from
// (StringView era: labels, messages and callbacks carry {data, length}; callbacks take two userdata pointers).
// Where the binary differs from that header it was measured (tests/TeeWasm.Gpu.Tests/WebGpu/StructLayoutTests.cs):
// WGPUBindGroupLayoutEntry has bindingArraySize after visibility; Dawn writes 152 bytes of WGPULimits (ours is larger,
// so nothing is overwritten). Only the structs TeeWasm uses; every field is blittable, enums are 32-bit, WGPUFlags and uint64_t are 64-bit,
// size_t is nuint. Field order and types mirror the C declarations exactly.

/// <summary><c>WGPUStringView</c>: UTF-8 bytes, not NUL-terminated when <c>Length</c> is not <c>WGPU_STRLEN</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUStringView
{
    public byte* Data;
    public nuint Length;

    public static readonly nuint Strlen = nuint.MaxValue;

    public readonly string? ToManaged()
    {
        if (Data is null) return null;
        if (Length == Strlen) return Marshal.PtrToStringUTF8((nint)Data);
        return System.Text.Encoding.UTF8.GetString(Data, checked((int)Length));
    }
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUChainedStruct
{
    public WGPUChainedStruct* Next;
    public uint SType;
}

[StructLayout(LayoutKind.Sequential)]
internal struct WGPUFuture
{
    public ulong Id;
}

[StructLayout(LayoutKind.Sequential)]
internal struct WGPUFutureWaitInfo
{
    public WGPUFuture Future;
    public uint Completed;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUInstanceCapabilities
{
    public WGPUChainedStruct* NextInChain;
    public uint TimedWaitAnyEnable;
    public nuint TimedWaitAnyMaxCount;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUInstanceDescriptor
{
    public WGPUChainedStruct* NextInChain;
    public WGPUInstanceCapabilities Capabilities;
}

/// <summary>The shape shared by every <c>WGPU*CallbackInfo</c> that has a mode.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUCallbackInfo
{
    public WGPUChainedStruct* NextInChain;
    public uint Mode;
    public void* Callback;
    public void* Userdata1;
    public void* Userdata2;
}

/// <summary><c>WGPUUncapturedErrorCallbackInfo</c> (no mode field).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUUncapturedErrorCallbackInfo
{
    public WGPUChainedStruct* NextInChain;
    public void* Callback;
    public void* Userdata1;
    public void* Userdata2;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPURequestAdapterOptions
{
    public WGPUChainedStruct* NextInChain;
    public uint FeatureLevel;
    public uint PowerPreference;
    public uint ForceFallbackAdapter;
    public uint BackendType;
    public nint CompatibleSurface;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUAdapterInfo
{
    public WGPUChainedStruct* NextInChain;
    public WGPUStringView Vendor;
    public WGPUStringView Architecture;
    public WGPUStringView Device;
    public WGPUStringView Description;
    public uint BackendType;
    public uint AdapterType;
    public uint VendorId;
    public uint DeviceId;
    public uint SubgroupMinSize;
    public uint SubgroupMaxSize;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPULimits
{
    public WGPUChainedStruct* NextInChain;
    public uint MaxTextureDimension1D;
    public uint MaxTextureDimension2D;
    public uint MaxTextureDimension3D;
    public uint MaxTextureArrayLayers;
    public uint MaxBindGroups;
    public uint MaxBindGroupsPlusVertexBuffers;
    public uint MaxBindingsPerBindGroup;
    public uint MaxDynamicUniformBuffersPerPipelineLayout;
    public uint MaxDynamicStorageBuffersPerPipelineLayout;
    public uint MaxSampledTexturesPerShaderStage;
    public uint MaxSamplersPerShaderStage;
    public uint MaxStorageBuffersPerShaderStage;
    public uint MaxStorageTexturesPerShaderStage;
    public uint MaxUniformBuffersPerShaderStage;
    public ulong MaxUniformBufferBindingSize;
    public ulong MaxStorageBufferBindingSize;
    public uint MinUniformBufferOffsetAlignment;
    public uint MinStorageBufferOffsetAlignment;
    public uint MaxVertexBuffers;
    public ulong MaxBufferSize;
    public uint MaxVertexAttributes;
    public uint MaxVertexBufferArrayStride;
    public uint MaxInterStageShaderVariables;
    public uint MaxColorAttachments;
    public uint MaxColorAttachmentBytesPerSample;
    public uint MaxComputeWorkgroupStorageSize;
    public uint MaxComputeInvocationsPerWorkgroup;
    public uint MaxComputeWorkgroupSizeX;
    public uint MaxComputeWorkgroupSizeY;
    public uint MaxComputeWorkgroupSizeZ;
    public uint MaxComputeWorkgroupsPerDimension;
    public uint MaxStorageBuffersInVertexStage;
    public uint MaxStorageTexturesInVertexStage;
    public uint MaxStorageBuffersInFragmentStage;
    public uint MaxStorageTexturesInFragmentStage;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUQueueDescriptor
{
    public WGPUChainedStruct* NextInChain;
    public WGPUStringView Label;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUDeviceDescriptor
{
    public WGPUChainedStruct* NextInChain;
    public WGPUStringView Label;
    public nuint RequiredFeatureCount;
    public uint* RequiredFeatures;
    public WGPULimits* RequiredLimits;
    public WGPUQueueDescriptor DefaultQueue;
    public WGPUCallbackInfo DeviceLostCallbackInfo;
    public WGPUUncapturedErrorCallbackInfo UncapturedErrorCallbackInfo;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUBufferDescriptor
{
    public WGPUChainedStruct* NextInChain;
    public WGPUStringView Label;
    public ulong Usage;
    public ulong Size;
    public uint MappedAtCreation;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUShaderSourceWGSL
{
    public WGPUChainedStruct Chain;
    public WGPUStringView Code;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUShaderModuleDescriptor
{
    public WGPUChainedStruct* NextInChain;
    public WGPUStringView Label;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUCompilationMessage
{
    public WGPUChainedStruct* NextInChain;
    public WGPUStringView Message;
    public uint Type;
    public ulong LineNum;
    public ulong LinePos;
    public ulong Offset;
    public ulong Length;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUCompilationInfo
{
    public WGPUChainedStruct* NextInChain;
    public nuint MessageCount;
    public WGPUCompilationMessage* Messages;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUBufferBindingLayout
{
    public WGPUChainedStruct* NextInChain;
    public uint Type;
    public uint HasDynamicOffset;
    public ulong MinBindingSize;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUSamplerBindingLayout
{
    public WGPUChainedStruct* NextInChain;
    public uint Type;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUTextureBindingLayout
{
    public WGPUChainedStruct* NextInChain;
    public uint SampleType;
    public uint ViewDimension;
    public uint Multisampled;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUStorageTextureBindingLayout
{
    public WGPUChainedStruct* NextInChain;
    public uint Access;
    public uint Format;
    public uint ViewDimension;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUBindGroupLayoutEntry
{
    public WGPUChainedStruct* NextInChain;
    public uint Binding;
    public ulong Visibility;
    /// <summary>Not in the b7dc1dc header, but in the binary (its validation names it): 0 = not an array.</summary>
    public uint BindingArraySize;
    public WGPUBufferBindingLayout Buffer;
    public WGPUSamplerBindingLayout Sampler;
    public WGPUTextureBindingLayout Texture;
    public WGPUStorageTextureBindingLayout StorageTexture;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUBindGroupLayoutDescriptor
{
    public WGPUChainedStruct* NextInChain;
    public WGPUStringView Label;
    public nuint EntryCount;
    public WGPUBindGroupLayoutEntry* Entries;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUPipelineLayoutDescriptor
{
    public WGPUChainedStruct* NextInChain;
    public WGPUStringView Label;
    public nuint BindGroupLayoutCount;
    public nint* BindGroupLayouts;
    public uint ImmediateDataRangeByteSize;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUComputeState
{
    public WGPUChainedStruct* NextInChain;
    public nint Module;
    public WGPUStringView EntryPoint;
    public nuint ConstantCount;
    public void* Constants;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUComputePipelineDescriptor
{
    public WGPUChainedStruct* NextInChain;
    public WGPUStringView Label;
    public nint Layout;
    public WGPUComputeState Compute;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUBindGroupEntry
{
    public WGPUChainedStruct* NextInChain;
    public uint Binding;
    public nint Buffer;
    public ulong Offset;
    public ulong Size;
    public nint Sampler;
    public nint TextureView;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WGPUBindGroupDescriptor
{
    public WGPUChainedStruct* NextInChain;
    public WGPUStringView Label;
    public nint Layout;
    public nuint EntryCount;
    public WGPUBindGroupEntry* Entries;
}
