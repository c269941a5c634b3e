using System.Runtime.InteropServices;

namespace TeeWasm.Gpu.Dawn.Native;

/// <summary>
/// The <c>wgpu*</c> entry points TeeWasm calls, resolved once from the loaded Dawn library as unmanaged function
/// pointers (the library path is chosen at run time, so <c>LibraryImport</c> with a fixed name does not fit).
/// Object handles are <c>nint</c>; signatures mirror webgpu.h of the binary's revision.
/// </summary>
internal sealed unsafe class WgpuApi
{
    public readonly delegate* unmanaged[Cdecl]<WGPUInstanceDescriptor*, nint> CreateInstance;
    public readonly delegate* unmanaged[Cdecl]<nint, void> InstanceRelease;
    public readonly delegate* unmanaged[Cdecl]<nint, WGPURequestAdapterOptions*, WGPUCallbackInfo, WGPUFuture> InstanceRequestAdapter;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, WGPUFutureWaitInfo*, ulong, uint> InstanceWaitAny;
    public readonly delegate* unmanaged[Cdecl]<nint, void> InstanceProcessEvents;

    public readonly delegate* unmanaged[Cdecl]<nint, WGPUAdapterInfo*, uint> AdapterGetInfo;
    public readonly delegate* unmanaged[Cdecl]<WGPUAdapterInfo, void> AdapterInfoFreeMembers;
    public readonly delegate* unmanaged[Cdecl]<nint, WGPULimits*, uint> AdapterGetLimits;
    public readonly delegate* unmanaged[Cdecl]<nint, WGPUDeviceDescriptor*, WGPUCallbackInfo, WGPUFuture> AdapterRequestDevice;
    public readonly delegate* unmanaged[Cdecl]<nint, void> AdapterRelease;

    public readonly delegate* unmanaged[Cdecl]<nint, WGPULimits*, uint> DeviceGetLimits;
    public readonly delegate* unmanaged[Cdecl]<nint, nint> DeviceGetQueue;
    public readonly delegate* unmanaged[Cdecl]<nint, WGPUBufferDescriptor*, nint> DeviceCreateBuffer;
    public readonly delegate* unmanaged[Cdecl]<nint, WGPUShaderModuleDescriptor*, nint> DeviceCreateShaderModule;
    public readonly delegate* unmanaged[Cdecl]<nint, WGPUBindGroupLayoutDescriptor*, nint> DeviceCreateBindGroupLayout;
    public readonly delegate* unmanaged[Cdecl]<nint, WGPUPipelineLayoutDescriptor*, nint> DeviceCreatePipelineLayout;
    public readonly delegate* unmanaged[Cdecl]<nint, WGPUComputePipelineDescriptor*, nint> DeviceCreateComputePipeline;
    public readonly delegate* unmanaged[Cdecl]<nint, WGPUBindGroupDescriptor*, nint> DeviceCreateBindGroup;
    public readonly delegate* unmanaged[Cdecl]<nint, void*, nint> DeviceCreateCommandEncoder;
    public readonly delegate* unmanaged[Cdecl]<nint, uint, void> DevicePushErrorScope;
    public readonly delegate* unmanaged[Cdecl]<nint, WGPUCallbackInfo, WGPUFuture> DevicePopErrorScope;
    public readonly delegate* unmanaged[Cdecl]<nint, void> DeviceDestroy;
    public readonly delegate* unmanaged[Cdecl]<nint, void> DeviceRelease;

    public readonly delegate* unmanaged[Cdecl]<nint, nint, ulong, void*, nuint, void> QueueWriteBuffer;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nint*, void> QueueSubmit;
    public readonly delegate* unmanaged[Cdecl]<nint, void> QueueRelease;

    public readonly delegate* unmanaged[Cdecl]<nint, ulong, nuint, nuint, WGPUCallbackInfo, WGPUFuture> BufferMapAsync;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nuint, void*> BufferGetConstMappedRange;
    public readonly delegate* unmanaged[Cdecl]<nint, uint> BufferGetMapState;
    public readonly delegate* unmanaged[Cdecl]<nint, void> BufferUnmap;
    public readonly delegate* unmanaged[Cdecl]<nint, void> BufferDestroy;
    public readonly delegate* unmanaged[Cdecl]<nint, void> BufferRelease;

    public readonly delegate* unmanaged[Cdecl]<nint, WGPUCallbackInfo, WGPUFuture> ShaderModuleGetCompilationInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ShaderModuleRelease;
    public readonly delegate* unmanaged[Cdecl]<nint, void> BindGroupLayoutRelease;
    public readonly delegate* unmanaged[Cdecl]<nint, void> PipelineLayoutRelease;
    public readonly delegate* unmanaged[Cdecl]<nint, uint, nint> ComputePipelineGetBindGroupLayout;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ComputePipelineRelease;
    public readonly delegate* unmanaged[Cdecl]<nint, void> BindGroupRelease;

    public readonly delegate* unmanaged[Cdecl]<nint, void*, nint> CommandEncoderBeginComputePass;
    public readonly delegate* unmanaged[Cdecl]<nint, nint, ulong, nint, ulong, ulong, void> CommandEncoderCopyBufferToBuffer;
    public readonly delegate* unmanaged[Cdecl]<nint, void*, nint> CommandEncoderFinish;
    public readonly delegate* unmanaged[Cdecl]<nint, void> CommandEncoderRelease;
    public readonly delegate* unmanaged[Cdecl]<nint, void> CommandBufferRelease;

    public readonly delegate* unmanaged[Cdecl]<nint, nint, void> ComputePassEncoderSetPipeline;
    public readonly delegate* unmanaged[Cdecl]<nint, uint, nint, nuint, uint*, void> ComputePassEncoderSetBindGroup;
    public readonly delegate* unmanaged[Cdecl]<nint, uint, uint, uint, void> ComputePassEncoderDispatchWorkgroups;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ComputePassEncoderEnd;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ComputePassEncoderRelease;

    /// <summary>Resolves every entry point; throws <see cref="WebGpuUnavailableException"/> naming a missing one.</summary>
    public WgpuApi(nint library, string path)
    {
        void* Get(string name) =>
            NativeLibrary.TryGetExport(library, name, out nint address)
                ? (void*)address
                : throw new WebGpuUnavailableException($"'{path}' does not export {name}: not the Dawn build TeeWasm expects (bun-webgpu-linux-x64 0.1.7)");

        CreateInstance = (delegate* unmanaged[Cdecl]<WGPUInstanceDescriptor*, nint>)Get("wgpuCreateInstance");
        InstanceRelease = (delegate* unmanaged[Cdecl]<nint, void>)Get("wgpuInstanceRelease");
        InstanceRequestAdapter = (delegate* unmanaged[Cdecl]<nint, WGPURequestAdapterOptions*, WGPUCallbackInfo, WGPUFuture>)Get("wgpuInstanceRequestAdapter");
        InstanceWaitAny = (delegate* unmanaged[Cdecl]<nint, nuint, WGPUFutureWaitInfo*, ulong, uint>)Get("wgpuInstanceWaitAny");
        InstanceProcessEvents = (delegate* unmanaged[Cdecl]<nint, void>)Get("wgpuInstanceProcessEvents");

        AdapterGetInfo = (delegate* unmanaged[Cdecl]<nint, WGPUAdapterInfo*, uint>)Get("wgpuAdapterGetInfo");
        AdapterInfoFreeMembers = (delegate* unmanaged[Cdecl]<WGPUAdapterInfo, void>)Get("wgpuAdapterInfoFreeMembers");
        AdapterGetLimits = (delegate* unmanaged[Cdecl]<nint, WGPULimits*, uint>)Get("wgpuAdapterGetLimits");
        AdapterRequestDevice = (delegate* unmanaged[Cdecl]<nint, WGPUDeviceDescriptor*, WGPUCallbackInfo, WGPUFuture>)Get("wgpuAdapterRequestDevice");
        AdapterRelease = (delegate* unmanaged[Cdecl]<nint, void>)Get("wgpuAdapterRelease");

        DeviceGetLimits = (delegate* unmanaged[Cdecl]<nint, WGPULimits*, uint>)Get("wgpuDeviceGetLimits");
        DeviceGetQueue = (delegate* unmanaged[Cdecl]<nint, nint>)Get("wgpuDeviceGetQueue");
        DeviceCreateBuffer = (delegate* unmanaged[Cdecl]<nint, WGPUBufferDescriptor*, nint>)Get("wgpuDeviceCreateBuffer");
        DeviceCreateShaderModule = (delegate* unmanaged[Cdecl]<nint, WGPUShaderModuleDescriptor*, nint>)Get("wgpuDeviceCreateShaderModule");
        DeviceCreateBindGroupLayout = (delegate* unmanaged[Cdecl]<nint, WGPUBindGroupLayoutDescriptor*, nint>)Get("wgpuDeviceCreateBindGroupLayout");
        DeviceCreatePipelineLayout = (delegate* unmanaged[Cdecl]<nint, WGPUPipelineLayoutDescriptor*, nint>)Get("wgpuDeviceCreatePipelineLayout");
        DeviceCreateComputePipeline = (delegate* unmanaged[Cdecl]<nint, WGPUComputePipelineDescriptor*, nint>)Get("wgpuDeviceCreateComputePipeline");
        DeviceCreateBindGroup = (delegate* unmanaged[Cdecl]<nint, WGPUBindGroupDescriptor*, nint>)Get("wgpuDeviceCreateBindGroup");
        DeviceCreateCommandEncoder = (delegate* unmanaged[Cdecl]<nint, void*, nint>)Get("wgpuDeviceCreateCommandEncoder");
        DevicePushErrorScope = (delegate* unmanaged[Cdecl]<nint, uint, void>)Get("wgpuDevicePushErrorScope");
        DevicePopErrorScope = (delegate* unmanaged[Cdecl]<nint, WGPUCallbackInfo, WGPUFuture>)Get("wgpuDevicePopErrorScope");
        DeviceDestroy = (delegate* unmanaged[Cdecl]<nint, void>)Get("wgpuDeviceDestroy");
        DeviceRelease = (delegate* unmanaged[Cdecl]<nint, void>)Get("wgpuDeviceRelease");

        QueueWriteBuffer = (delegate* unmanaged[Cdecl]<nint, nint, ulong, void*, nuint, void>)Get("wgpuQueueWriteBuffer");
        QueueSubmit = (delegate* unmanaged[Cdecl]<nint, nuint, nint*, void>)Get("wgpuQueueSubmit");
        QueueRelease = (delegate* unmanaged[Cdecl]<nint, void>)Get("wgpuQueueRelease");

        BufferMapAsync = (delegate* unmanaged[Cdecl]<nint, ulong, nuint, nuint, WGPUCallbackInfo, WGPUFuture>)Get("wgpuBufferMapAsync");
        BufferGetConstMappedRange = (delegate* unmanaged[Cdecl]<nint, nuint, nuint, void*>)Get("wgpuBufferGetConstMappedRange");
        BufferGetMapState = (delegate* unmanaged[Cdecl]<nint, uint>)Get("wgpuBufferGetMapState");
        BufferUnmap = (delegate* unmanaged[Cdecl]<nint, void>)Get("wgpuBufferUnmap");
        BufferDestroy = (delegate* unmanaged[Cdecl]<nint, void>)Get("wgpuBufferDestroy");
        BufferRelease = (delegate* unmanaged[Cdecl]<nint, void>)Get("wgpuBufferRelease");

        ShaderModuleGetCompilationInfo = (delegate* unmanaged[Cdecl]<nint, WGPUCallbackInfo, WGPUFuture>)Get("wgpuShaderModuleGetCompilationInfo");
        ShaderModuleRelease = (delegate* unmanaged[Cdecl]<nint, void>)Get("wgpuShaderModuleRelease");
        BindGroupLayoutRelease = (delegate* unmanaged[Cdecl]<nint, void>)Get("wgpuBindGroupLayoutRelease");
        PipelineLayoutRelease = (delegate* unmanaged[Cdecl]<nint, void>)Get("wgpuPipelineLayoutRelease");
        ComputePipelineGetBindGroupLayout = (delegate* unmanaged[Cdecl]<nint, uint, nint>)Get("wgpuComputePipelineGetBindGroupLayout");
        ComputePipelineRelease = (delegate* unmanaged[Cdecl]<nint, void>)Get("wgpuComputePipelineRelease");
        BindGroupRelease = (delegate* unmanaged[Cdecl]<nint, void>)Get("wgpuBindGroupRelease");

        CommandEncoderBeginComputePass = (delegate* unmanaged[Cdecl]<nint, void*, nint>)Get("wgpuCommandEncoderBeginComputePass");
        CommandEncoderCopyBufferToBuffer = (delegate* unmanaged[Cdecl]<nint, nint, ulong, nint, ulong, ulong, void>)Get("wgpuCommandEncoderCopyBufferToBuffer");
        CommandEncoderFinish = (delegate* unmanaged[Cdecl]<nint, void*, nint>)Get("wgpuCommandEncoderFinish");
        CommandEncoderRelease = (delegate* unmanaged[Cdecl]<nint, void>)Get("wgpuCommandEncoderRelease");
        CommandBufferRelease = (delegate* unmanaged[Cdecl]<nint, void>)Get("wgpuCommandBufferRelease");

        ComputePassEncoderSetPipeline = (delegate* unmanaged[Cdecl]<nint, nint, void>)Get("wgpuComputePassEncoderSetPipeline");
        ComputePassEncoderSetBindGroup = (delegate* unmanaged[Cdecl]<nint, uint, nint, nuint, uint*, void>)Get("wgpuComputePassEncoderSetBindGroup");
        ComputePassEncoderDispatchWorkgroups = (delegate* unmanaged[Cdecl]<nint, uint, uint, uint, void>)Get("wgpuComputePassEncoderDispatchWorkgroups");
        ComputePassEncoderEnd = (delegate* unmanaged[Cdecl]<nint, void>)Get("wgpuComputePassEncoderEnd");
        ComputePassEncoderRelease = (delegate* unmanaged[Cdecl]<nint, void>)Get("wgpuComputePassEncoderRelease");
    }
}
