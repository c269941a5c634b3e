using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using TeeWasm.Gpu.Dawn.Native;
using static TeeWasm.Gpu.Dawn.Native.WgpuConstants;

namespace TeeWasm.Gpu.Dawn;

/// <summary>
/// A Dawn instance, the chosen adapter, its device and queue: the root of all WebGPU objects. Every operation
/// checks for errors (Dawn error scopes) and throws <see cref="WebGpuException"/> with Dawn's message instead of
/// leaving an error object behind. Use from one thread at a time.
/// </summary>
public sealed unsafe class WebGpuDevice : IDisposable
{
    /// <summary>Why TeeWasm refuses to run when Dawn offers only its Null adapter (which computes nothing).</summary>
    public const string NullAdapterMessage = "only Dawn's Null adapter is available: install Mesa ≥ 25 lavapipe (scripts/setup-webgpu.sh)";

    internal readonly WgpuApi Api;
    internal readonly nint InstanceHandle;
    internal nint AdapterHandle;
    internal nint Handle;
    internal nint QueueHandle;
    private readonly ulong _timeoutNs;
    private readonly TimeSpan _timeout;
    private readonly WebGpuBackendType _requestedBackend;
    // Device-lost and uncaptured-error callbacks can come at any time, even after Dispose (objects a caller still
    // holds keep Dawn's device alive): they carry this number, not a GCHandle, and find the device here or nothing.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<nint, WebGpuDevice> s_live = new();
    private static long s_nextId;
    private readonly nint _callbackId;
    private bool _disposed;

    private WebGpuDevice(WgpuApi api, nint instance, WebGpuOptions options, string libraryPath, string driverSelection)
    {
        Api = api;
        InstanceHandle = instance;
        _timeout = options.Timeout;
        _requestedBackend = options.RequestedBackend;
        _timeoutNs = (ulong)Math.Max(1, options.Timeout.Ticks) * 100;
        LibraryPath = libraryPath;
        DriverSelection = driverSelection;
        _callbackId = (nint)Interlocked.Increment(ref s_nextId);
        s_live[_callbackId] = this;
    }

    /// <summary>The Dawn library in use.</summary>
    public string LibraryPath { get; }

    /// <summary>How the Vulkan driver was chosen (one sentence).</summary>
    public string DriverSelection { get; }

    /// <summary>The adapter the device runs on.</summary>
    public WebGpuAdapterInfo AdapterInfo { get; private set; } = null!;

    /// <summary>The device's limits.</summary>
    public WebGpuLimits Limits { get; private set; } = null!;

    /// <summary>How long instance, adapter and device creation took.</summary>
    public WebGpuStartupTimings Timings { get; private set; } = null!;

    /// <summary>Why the device was lost, or null while it works.</summary>
    public string? LostReason { get; private set; }

    /// <summary>The last error Dawn reported outside an operation of this class, or null.</summary>
    public string? LastUncapturedError { get; private set; }

    /// <summary>
    /// Loads Dawn, picks an adapter (hardware when present, else lavapipe; never Dawn's Null adapter) and creates a
    /// device. Throws <see cref="WebGpuUnavailableException"/> saying why when there is none.
    /// </summary>
    public static WebGpuDevice Create(WebGpuOptions? options = null)
    {
        options ??= new WebGpuOptions();
        string selection = options.SelectVulkanDriver ? VulkanDriverSelection.Apply() : "Vulkan driver selection left to the environment";
        string path = WebGpuLibrary.Resolve(options.LibraryPath);
        var api = WebGpuLibrary.Load(path);

        var sw = Stopwatch.StartNew();
        var desc = new WGPUInstanceDescriptor();
        desc.Capabilities.TimedWaitAnyEnable = 1;
        desc.Capabilities.TimedWaitAnyMaxCount = 8;
        nint instance = api.CreateInstance(&desc);
        if (instance == 0) throw new WebGpuUnavailableException($"wgpuCreateInstance failed ({path})");
        var device = new WebGpuDevice(api, instance, options, path, selection);
        try
        {
            double instanceMs = sw.Elapsed.TotalMilliseconds;
            device.RequestAdapter();
            double adapterMs = sw.Elapsed.TotalMilliseconds - instanceMs;
            device.RequestDevice();
            device.Timings = new WebGpuStartupTimings(instanceMs, adapterMs, sw.Elapsed.TotalMilliseconds - instanceMs - adapterMs);
            return device;
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    private void RequestAdapter()
    {
        var opts = new WGPURequestAdapterOptions
        {
            FeatureLevel = FeatureLevelCore,
            PowerPreference = PowerPreferenceHighPerformance,
            BackendType = (uint)_requestedBackend,
        };
        var cb = Callback(WgpuCallbacks.RequestAdapter, out var r);
        Await("requesting a WebGPU adapter", Api.InstanceRequestAdapter(InstanceHandle, &opts, cb), cb, r);
        if (r.Status != RequestAdapterStatusSuccess || r.Handle == 0)
        {
            // Learn whether Dawn would only have offered its Null adapter, to say so plainly.
            var any = new WGPURequestAdapterOptions { FeatureLevel = FeatureLevelCore, PowerPreference = PowerPreferenceHighPerformance };
            var cb2 = Callback(WgpuCallbacks.RequestAdapter, out var r2);
            Await("requesting a WebGPU adapter", Api.InstanceRequestAdapter(InstanceHandle, &any, cb2), cb2, r2);
            if (r2.Status == RequestAdapterStatusSuccess && r2.Handle != 0)
            {
                var other = ReadAdapterInfo(r2.Handle);
                Api.AdapterRelease(r2.Handle);
                if (other.Backend == WebGpuBackendType.Null) throw new WebGpuUnavailableException(NullAdapterMessage);
                throw new WebGpuUnavailableException($"no Vulkan adapter (Dawn offers only {other}); install Mesa ≥ 25 lavapipe (scripts/setup-webgpu.sh) or a GPU Vulkan driver");
            }
            throw new WebGpuUnavailableException($"no WebGPU adapter ({r.Message ?? "no reason given"}); {DriverSelection}; install Mesa ≥ 25 lavapipe (scripts/setup-webgpu.sh)");
        }
        AdapterHandle = r.Handle;
        AdapterInfo = ReadAdapterInfo(AdapterHandle);
        if (AdapterInfo.Backend == WebGpuBackendType.Null) throw new WebGpuUnavailableException(NullAdapterMessage);
    }

    private WebGpuAdapterInfo ReadAdapterInfo(nint adapter)
    {
        var info = new WGPUAdapterInfo();
        if (Api.AdapterGetInfo(adapter, &info) != StatusSuccess) throw new WebGpuException("wgpuAdapterGetInfo failed");
        try
        {
            return new WebGpuAdapterInfo(info.Vendor.ToManaged() ?? "", info.Architecture.ToManaged() ?? "",
                info.Device.ToManaged() ?? "", info.Description.ToManaged() ?? "",
                (WebGpuBackendType)info.BackendType, (WebGpuAdapterType)info.AdapterType, info.VendorId, info.DeviceId);
        }
        finally
        {
            Api.AdapterInfoFreeMembers(info);
        }
    }

    private void RequestDevice()
    {
        var adapterLimits = new WGPULimits();
        if (Api.AdapterGetLimits(AdapterHandle, &adapterLimits) != StatusSuccess) throw new WebGpuException("wgpuAdapterGetLimits failed");
        // Ask for the adapter's compute-relevant maxima (the defaults cap buffers at 256 MiB); every other limit
        // stays "undefined" (all bits set) so Dawn uses its default.
        var required = new WGPULimits();
        new Span<byte>(&required, sizeof(WGPULimits)).Fill(0xFF);
        required.NextInChain = null;
        required.MaxBufferSize = adapterLimits.MaxBufferSize;
        required.MaxStorageBufferBindingSize = adapterLimits.MaxStorageBufferBindingSize;
        required.MaxComputeWorkgroupStorageSize = adapterLimits.MaxComputeWorkgroupStorageSize;
        required.MaxComputeInvocationsPerWorkgroup = adapterLimits.MaxComputeInvocationsPerWorkgroup;
        required.MaxComputeWorkgroupSizeX = adapterLimits.MaxComputeWorkgroupSizeX;
        required.MaxComputeWorkgroupSizeY = adapterLimits.MaxComputeWorkgroupSizeY;
        required.MaxComputeWorkgroupSizeZ = adapterLimits.MaxComputeWorkgroupSizeZ;
        required.MaxStorageBuffersPerShaderStage = adapterLimits.MaxStorageBuffersPerShaderStage;

        var self = (void*)_callbackId;
        var desc = new WGPUDeviceDescriptor { RequiredLimits = &required };
        desc.DeviceLostCallbackInfo = new WGPUCallbackInfo { Mode = CallbackModeAllowSpontaneous, Callback = WgpuCallbacks.DeviceLost, Userdata1 = self };
        desc.UncapturedErrorCallbackInfo = new WGPUUncapturedErrorCallbackInfo { Callback = WgpuCallbacks.UncapturedError, Userdata1 = self };
        var cb = Callback(WgpuCallbacks.RequestDevice, out var r);
        Await("requesting a WebGPU device", Api.AdapterRequestDevice(AdapterHandle, &desc, cb), cb, r);
        if (r.Status != RequestDeviceStatusSuccess || r.Handle == 0)
            throw new WebGpuUnavailableException($"the adapter {AdapterInfo} refused to create a device: {r.Message ?? "no reason given"}");
        Handle = r.Handle;
        QueueHandle = Api.DeviceGetQueue(Handle);
        var limits = new WGPULimits();
        if (Api.DeviceGetLimits(Handle, &limits) != StatusSuccess) throw new WebGpuException("wgpuDeviceGetLimits failed");
        Limits = WebGpuLimits.From(limits);
    }

    /// <summary>Creates a buffer of <paramref name="size"/> bytes.</summary>
    public WebGpuBuffer CreateBuffer(ulong size, WebGpuBufferUsage usage)
    {
        ThrowIfUnusable();
        var desc = new WGPUBufferDescriptor { Usage = (ulong)usage, Size = size };
        PushErrorScopes();
        nint h = Api.DeviceCreateBuffer(Handle, &desc);
        ThrowOnError("creating a buffer", h, Api.BufferRelease);
        return new WebGpuBuffer(this, h, size, usage);
    }

    /// <summary>Copies <paramref name="data"/> into <paramref name="buffer"/> at <paramref name="offset"/> (queued).</summary>
    public void WriteBuffer(WebGpuBuffer buffer, ulong offset, ReadOnlySpan<byte> data)
    {
        ThrowIfUnusable();
        PushErrorScopes();
        fixed (byte* p = data) Api.QueueWriteBuffer(QueueHandle, buffer.Handle, offset, p, (nuint)data.Length);
        ThrowOnError("writing a buffer", 0, null);
    }

    /// <summary>
    /// Compiles WGSL source; throws <see cref="WebGpuShaderCompilationException"/> with the compiler's line, column and
    /// message when it does not compile.
    /// </summary>
    public WebGpuShaderModule CreateShaderModule(string wgsl) => CreateShaderModule(Encoding.UTF8.GetBytes(wgsl));

    /// <summary>Compiles UTF-8 WGSL source (see <see cref="CreateShaderModule(string)"/>).</summary>
    public WebGpuShaderModule CreateShaderModule(ReadOnlySpan<byte> utf8Wgsl)
    {
        ThrowIfUnusable();
        nint h;
        PushErrorScopes();
        fixed (byte* code = utf8Wgsl)
        {
            byte empty = 0;
            var source = new WGPUShaderSourceWGSL
            {
                Chain = new WGPUChainedStruct { SType = STypeShaderSourceWgsl },
                Code = new WGPUStringView { Data = code is null ? &empty : code, Length = (nuint)utf8Wgsl.Length },
            };
            var desc = new WGPUShaderModuleDescriptor { NextInChain = &source.Chain };
            h = Api.DeviceCreateShaderModule(Handle, &desc);
        }
        List<ShaderCompilationMessage> messages = [];
        if (h != 0)
        {
            var cb = Callback(WgpuCallbacks.CompilationInfo, out var r);
            Await("getting WGSL compilation info", Api.ShaderModuleGetCompilationInfo(h, cb), cb, r);
            messages = r.CompilationMessages ?? [];
        }
        string? error = PopErrorScopes();
        if (messages.Any(m => m.IsError))
        {
            if (h != 0) Api.ShaderModuleRelease(h);
            throw new WebGpuShaderCompilationException(messages);
        }
        if (error is not null || h == 0)
        {
            if (h != 0) Api.ShaderModuleRelease(h);
            throw new WebGpuException("creating a shader module: " + (error ?? "Dawn returned no module"));
        }
        return new WebGpuShaderModule(this, h, messages);
    }

    /// <summary>Creates a bind group layout of buffer bindings visible to the compute stage.</summary>
    public WebGpuBindGroupLayout CreateBindGroupLayout(ReadOnlySpan<WebGpuBindingEntry> entries)
    {
        ThrowIfUnusable();
        var native = new WGPUBindGroupLayoutEntry[entries.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            native[i].Binding = entries[i].Binding;
            native[i].Visibility = ShaderStageCompute;
            native[i].Buffer.Type = entries[i].Kind switch
            {
                WebGpuBindingKind.Storage => BufferBindingTypeStorage,
                WebGpuBindingKind.ReadOnlyStorage => BufferBindingTypeReadOnlyStorage,
                WebGpuBindingKind.Uniform => BufferBindingTypeUniform,
                _ => throw new WebGpuException($"binding {entries[i].Binding}: unknown binding kind {(int)entries[i].Kind}"),
            };
            native[i].Buffer.MinBindingSize = entries[i].MinBindingSize;
        }
        nint h;
        PushErrorScopes();
        fixed (WGPUBindGroupLayoutEntry* p = native)
        {
            var desc = new WGPUBindGroupLayoutDescriptor { EntryCount = (nuint)native.Length, Entries = p };
            h = Api.DeviceCreateBindGroupLayout(Handle, &desc);
        }
        ThrowOnError("creating a bind group layout", h, Api.BindGroupLayoutRelease);
        return new WebGpuBindGroupLayout(this, h);
    }

    /// <summary>
    /// Creates a compute pipeline running <paramref name="entryPoint"/> of <paramref name="module"/>; with
    /// <paramref name="layout"/> null the layout is derived from the shader (<c>layout: auto</c>) and
    /// <see cref="WebGpuComputePipeline.GetBindGroupLayout"/> gives it.
    /// </summary>
    public WebGpuComputePipeline CreateComputePipeline(WebGpuShaderModule module, string entryPoint, WebGpuBindGroupLayout? layout = null)
    {
        ThrowIfUnusable();
        byte[] name = Encoding.UTF8.GetBytes(entryPoint);
        nint pipelineLayout = 0;
        if (layout is not null)
        {
            nint bgl = layout.Handle;
            var pld = new WGPUPipelineLayoutDescriptor { BindGroupLayoutCount = 1, BindGroupLayouts = &bgl };
            PushErrorScopes();
            pipelineLayout = Api.DeviceCreatePipelineLayout(Handle, &pld);
            ThrowOnError("creating a pipeline layout", pipelineLayout, Api.PipelineLayoutRelease);
        }
        try
        {
            nint h;
            PushErrorScopes();
            fixed (byte* n = name)
            {
                var desc = new WGPUComputePipelineDescriptor { Layout = pipelineLayout };
                desc.Compute.Module = module.Handle;
                desc.Compute.EntryPoint = new WGPUStringView { Data = n, Length = (nuint)name.Length };
                h = Api.DeviceCreateComputePipeline(Handle, &desc);
            }
            ThrowOnError("creating a compute pipeline", h, Api.ComputePipelineRelease);
            return new WebGpuComputePipeline(this, h);
        }
        finally
        {
            if (pipelineLayout != 0) Api.PipelineLayoutRelease(pipelineLayout);
        }
    }

    /// <summary>Creates a bind group that binds <paramref name="buffers"/>[i] (whole buffer) to binding i.</summary>
    public WebGpuBindGroup CreateBindGroup(WebGpuBindGroupLayout layout, IReadOnlyList<WebGpuBuffer> buffers)
    {
        ThrowIfUnusable();
        var entries = new WGPUBindGroupEntry[buffers.Count];
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i].Binding = (uint)i;
            entries[i].Buffer = buffers[i].Handle;
            entries[i].Size = WholeSize;
        }
        nint h;
        PushErrorScopes();
        fixed (WGPUBindGroupEntry* p = entries)
        {
            var desc = new WGPUBindGroupDescriptor { Layout = layout.Handle, EntryCount = (nuint)entries.Length, Entries = p };
            h = Api.DeviceCreateBindGroup(Handle, &desc);
        }
        ThrowOnError("creating a bind group", h, Api.BindGroupRelease);
        return new WebGpuBindGroup(this, h);
    }

    /// <summary>Creates a command encoder; record dispatches and copies, then <see cref="Submit"/> it.</summary>
    public WebGpuCommandEncoder CreateCommandEncoder()
    {
        ThrowIfUnusable();
        PushErrorScopes();
        nint h = Api.DeviceCreateCommandEncoder(Handle, null);
        ThrowOnError("creating a command encoder", h, Api.CommandEncoderRelease);
        return new WebGpuCommandEncoder(this, h);
    }

    /// <summary>Finishes <paramref name="encoder"/> and submits it; the encoder is consumed (disposed) either way.</summary>
    public void Submit(WebGpuCommandEncoder encoder)
    {
        ThrowIfUnusable();
        nint enc = encoder.TakeHandle();
        PushErrorScopes();
        nint commands = Api.CommandEncoderFinish(enc, null);
        Api.CommandEncoderRelease(enc);
        string? error = PopErrorScopes();
        if (error is not null)
        {
            if (commands != 0) Api.CommandBufferRelease(commands);
            throw new WebGpuException("recording commands: " + error);
        }
        PushErrorScopes();
        Api.QueueSubmit(QueueHandle, 1, &commands);
        Api.CommandBufferRelease(commands);
        ThrowOnError("submitting commands", 0, null);
    }

    // --- error scopes and waiting ---------------------------------------------------------------

    private static readonly uint[] s_filters = [ErrorFilterInternal, ErrorFilterOutOfMemory, ErrorFilterValidation];

    private int _batchDepth;

    internal void PushErrorScopes()
    {
        if (_batchDepth > 0) return; // the batch's scopes catch it
        PushScopes();
    }

    private void PushScopes()
    {
        foreach (uint f in s_filters) Api.DevicePushErrorScope(Handle, f);
    }

    /// <summary>
    /// Starts a batch: until <see cref="EndBatch"/>, operations share one set of error scopes instead of pushing and
    /// waiting for their own (each pop is a round trip to Dawn), so an error surfaces at <see cref="EndBatch"/>.
    /// Batches nest; only the outermost pushes and pops.
    /// </summary>
    internal void BeginBatch()
    {
        ThrowIfUnusable();
        if (_batchDepth++ == 0) PushScopes();
    }

    /// <summary>Ends a batch; throws <see cref="WebGpuException"/> with the first error inside it, if any.</summary>
    internal void EndBatch(string what)
    {
        if (--_batchDepth > 0) return;
        string? error = PopErrorScopes();
        if (error is not null) throw new WebGpuException($"{what}: {error}");
    }

    /// <summary>Ends a batch after an exception, without throwing.</summary>
    internal void AbortBatch()
    {
        if (--_batchDepth > 0 || _disposed) return;
        try
        {
            PopErrorScopes();
        }
        catch (WebGpuException)
        {
            // The operation already failed; its exception is the one that matters.
        }
    }

    /// <summary>Pops the scopes pushed by <see cref="PushErrorScopes"/>; the first error's text, or null.</summary>
    internal string? PopErrorScopes()
    {
        if (_batchDepth > 0) return null;
        string? first = null;
        for (int i = 0; i < s_filters.Length; i++)
        {
            var cb = Callback(WgpuCallbacks.PopErrorScope, out var r);
            Await("checking for WebGPU errors", Api.DevicePopErrorScope(Handle, cb), cb, r);
            if (r.Status == PopErrorScopeStatusSuccess && r.ErrorType != ErrorTypeNoError)
                first ??= Clean(r.Message) ?? $"error type {r.ErrorType}";
        }
        return first;
    }

    /// <summary>Pops the scopes; on an error releases <paramref name="handle"/> and throws.</summary>
    internal void ThrowOnError(string what, nint handle, delegate* unmanaged[Cdecl]<nint, void> release)
    {
        string? error = PopErrorScopes();
        if (error is null && (handle != 0 || release is null)) return;
        if (handle != 0 && release is not null) release(handle);
        throw new WebGpuException($"{what}: {error ?? "Dawn returned no object"}");
    }

    /// <summary>
    /// A WaitAnyOnly callback info whose userdata is a fresh <see cref="CallbackResult"/>; pass the future the
    /// operation returns to <see cref="Await"/>.
    /// </summary>
    internal static WGPUCallbackInfo Callback(void* callback, out CallbackResult result)
    {
        result = new CallbackResult();
        var gc = GCHandle.Alloc(result);
        return new WGPUCallbackInfo { Mode = CallbackModeWaitAnyOnly, Callback = callback, Userdata1 = (void*)GCHandle.ToIntPtr(gc) };
    }

    /// <summary>Waits for <paramref name="future"/> (up to the configured time-out) and returns its callback's result.</summary>
    internal CallbackResult Await(string what, WGPUFuture future, in WGPUCallbackInfo info, CallbackResult result)
    {
        var wait = new WGPUFutureWaitInfo { Future = future };
        uint status = Api.InstanceWaitAny(InstanceHandle, 1, &wait, _timeoutNs);
        if (status != WaitStatusSuccess || wait.Completed == 0)
        {
            // The callback may still run later (or when the instance goes away): keep its target alive for good.
            throw new WebGpuException(status == WaitStatusTimedOut
                ? $"{what}: timed out after {_timeout.TotalSeconds:0.#} s"
                : $"{what}: wgpuInstanceWaitAny failed (status {status})");
        }
        GCHandle.FromIntPtr((nint)info.Userdata1).Free();
        if (!result.Done) throw new WebGpuException($"{what}: Dawn completed the operation without calling back");
        return result;
    }

    private static string? Clean(string? message) => message?.Trim().Replace("\r", "");

    internal void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (LostReason is not null) throw new WebGpuException("the WebGPU device was lost: " + LostReason);
    }

    /// <summary>The live device a device-level callback refers to, or null once it was disposed.</summary>
    internal static WebGpuDevice? FromCallbackId(void* id) => s_live.TryGetValue((nint)id, out var d) ? d : null;

    internal void OnLost(uint reason, string? message)
    {
        if (_disposed) return;
        LostReason = $"{message ?? "no reason given"} (reason {reason})";
    }

    internal void OnUncapturedError(uint type, string? message) => LastUncapturedError = Clean(message) ?? $"error type {type}";

    /// <summary>Releases the queue, device, adapter and instance.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (QueueHandle != 0) Api.QueueRelease(QueueHandle);
        if (Handle != 0)
        {
            Api.DeviceDestroy(Handle);
            Api.DeviceRelease(Handle);
        }
        if (AdapterHandle != 0) Api.AdapterRelease(AdapterHandle);
        Api.InstanceProcessEvents(InstanceHandle);
        Api.InstanceRelease(InstanceHandle);
        s_live.TryRemove(_callbackId, out _);
    }
}

/// <summary>Milliseconds spent creating the instance, getting the adapter and creating the device.</summary>
public sealed record WebGpuStartupTimings(double InstanceMs, double AdapterMs, double DeviceMs)
{
    /// <summary>The sum.</summary>
    public double TotalMs => InstanceMs + AdapterMs + DeviceMs;
}
