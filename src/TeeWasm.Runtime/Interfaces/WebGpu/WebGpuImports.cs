using TeeWasm.Runtime.Guest;
using Wasmtime;
using K = TeeWasm.Runtime.Interfaces.WebGpu.GuestResourceKind;

namespace TeeWasm.Runtime.Interfaces.WebGpu;

/// <summary>
/// The <c>wasi:webgpu</c> host interface: the original host's 17 imports (same names and core-wasm signatures) with
/// its defects fixed, plus <c>get-last-error</c> and the <c>destroy-*</c>/<c>release-*</c> functions. The ABI is
/// documented in docs/wasi-webgpu.md. The Dawn device is created when the guest calls <c>create-instance</c>.
/// </summary>
public static class WebGpuImports
{
    /// <summary>The import module name.</summary>
    public const string ModuleName = "wasi:webgpu";

    /// <summary>The functions TeeWasm adds to the original host's 17; a guest importing none of them is an original-era guest.</summary>
    public static IReadOnlyList<string> Additions { get; } =
    [
        "get-last-error", "destroy-buffer", "release-shader-module", "release-bind-group-layout", "release-compute-pipeline",
        "release-bind-group", "release-command-encoder",
    ];

    /// <summary>
    /// Defines every function for one store and returns the guest's session; dispose it after the run (it releases
    /// what the guest left behind, and the device). Each WGSL source the guest compiles is appended to <paramref name="log"/>.
    /// <paramref name="originalEra"/>: the guest imports none of the <see cref="Additions"/>, so <c>create-bind-group</c>
    /// also accepts the original's first-buffer-id convention.
    /// </summary>
    public static WebGpuGuestSession Define(Linker linker, GuestContext guest, WebGpuGuestLimits? limits = null,
        TeeWasm.Attestation.Evidence.RuntimeMeasurementLog? log = null, bool originalEra = false)
    {
        var s = new WebGpuGuestSession(guest, limits ?? new WebGpuGuestLimits(), log, originalEra);
        const string m = ModuleName;

        linker.DefineFunction(m, "create-instance", () => s.CreateInstance());
        linker.DefineFunction(m, "request-adapter", (int instance, int powerPreference) => s.RequestAdapter(instance, powerPreference));
        linker.DefineFunction(m, "request-device", (int adapter) => s.RequestDevice(adapter));
        linker.DefineFunction(m, "get-queue", (int device) => s.GetQueue(device));
        linker.DefineFunction(m, "create-buffer", (int device, long size, int usage) => s.CreateBuffer(device, size, usage));
        linker.DefineFunction(m, "queue-write-buffer", (Caller c, int queue, int buffer, long offset, int ptr, int len) =>
            s.QueueWriteBuffer(c, queue, buffer, offset, ptr, len));
        linker.DefineFunction(m, "create-shader-module", (Caller c, int device, int ptr, int len) => s.CreateShaderModule(c, device, ptr, len));
        linker.DefineFunction(m, "create-bind-group-layout", (Caller c, int device, int count, int entriesPtr) =>
            s.CreateBindGroupLayout(c, device, count, entriesPtr));
        linker.DefineFunction(m, "create-compute-pipeline", (Caller c, int device, int shader, int entryPtr, int entryLen, int layout) =>
            s.CreateComputePipeline(c, device, shader, entryPtr, entryLen, layout));
        linker.DefineFunction(m, "create-bind-group", (Caller c, int device, int layout, int count, int idsPtr) =>
            s.CreateBindGroup(c, device, layout, count, idsPtr));
        linker.DefineFunction(m, "create-command-encoder", (int device) => s.CreateCommandEncoder(device));
        linker.DefineFunction(m, "dispatch-compute", (int encoder, int pipeline, int group, int x, int y, int z) =>
            s.DispatchCompute(encoder, pipeline, group, x, y, z));
        linker.DefineFunction(m, "submit-commands", (int queue, int encoder) => s.SubmitCommands(queue, encoder));
        linker.DefineFunction(m, "copy-buffer-to-buffer", (int encoder, int src, long srcOffset, int dst, long dstOffset, long size) =>
            s.CopyBufferToBuffer(encoder, src, srcOffset, dst, dstOffset, size));
        linker.DefineFunction(m, "buffer-map-async", (int buffer, int mode, long offset, long size, int callbackPtr, int callbackLen) =>
            s.BufferMapAsync(buffer, mode, offset, size));
        linker.DefineFunction(m, "buffer-get-mapped-range", (Caller c, int buffer, long offset, long size, int destPtr) =>
            s.BufferGetMappedRange(c, buffer, offset, size, destPtr));
        linker.DefineFunction(m, "buffer-unmap", (int buffer) => s.BufferUnmap(buffer));

        // Additions (not in the original host).
        linker.DefineFunction(m, "get-last-error", (Caller c) => s.GetLastError(c));
        linker.DefineFunction(m, "destroy-buffer", (int buffer) => s.DestroyBuffer(buffer));
        linker.DefineFunction(m, "release-shader-module", (int id) => s.Release("release-shader-module", id, K.ShaderModule));
        linker.DefineFunction(m, "release-bind-group-layout", (int id) => s.Release("release-bind-group-layout", id, K.BindGroupLayout));
        linker.DefineFunction(m, "release-compute-pipeline", (int id) => s.Release("release-compute-pipeline", id, K.ComputePipeline));
        linker.DefineFunction(m, "release-bind-group", (int id) => s.Release("release-bind-group", id, K.BindGroup));
        linker.DefineFunction(m, "release-command-encoder", (int id) => s.Release("release-command-encoder", id, K.CommandEncoder));
        return s;
    }
}
