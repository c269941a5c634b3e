using Microsoft.Extensions.Logging;
using System.Buffers.Binary;
using System.Text;
using TeeWasm.Gpu;
using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Kernels;
using TeeWasm.Runtime.Guest;
using Wasmtime;

namespace TeeWasm.Runtime.Interfaces.Gpu;

/// <summary>
/// The <c>wasi:gpu</c> host interface (modules <c>wasi:gpu/compute@0.1.0</c> and <c>wasi:gpu/ml-kernels@0.1.0</c>) in
/// the original's core-wasm ABI: every function returns its result at a trailing <c>retptr</c>, <c>[0]</c> i32 0 Ok /
/// 1 Err and <c>[4]</c> the payload or <see cref="GpuError"/> code (lists: pointer at <c>[4]</c>, length at <c>[8]</c>,
/// allocated with the guest's <c>cabi_realloc</c>). Exactly 8 bytes are written (12 for a list, 36 for device-info),
/// and only when the whole range lies in guest memory: a bad <c>retptr</c> runs nothing and writes nothing.
/// </summary>
public static class GpuImports
{
    /// <summary>Module of the buffer functions.</summary>
    public const string ComputeModule = "wasi:gpu/compute@0.1.0";

    /// <summary>Module of the kernels.</summary>
    public const string KernelsModule = "wasi:gpu/ml-kernels@0.1.0";

    /// <summary>Bytes written at <c>retptr</c> by <c>get-device-info</c>.</summary>
    public const int DeviceInfoSize = 36;

    private const int ResultSize = 8;
    private const int ListResultSize = 12;

    /// <summary>
    /// Creates the backend for <c>--gpu</c> and logs the choice in one line: a warning when <c>auto</c> passed over a
    /// GPU that seemed present but failed, else at debug. Backend failures at run time are logged too. A kind that does
    /// not work on this machine throws <see cref="GpuUnavailableException"/> saying why. Buffers count against
    /// <paramref name="budget"/> (the guest's, shared with its <c>wasi:webgpu</c> session), or the default 1 GiB of the
    /// backend's own when null.
    /// </summary>
    public static IGpuBackend CreateBackend(GpuBackendKind kind, ILogger? logger = null, GpuMemoryBudget? budget = null)
    {
        GpuBackendChoice choice;
        try
        {
            choice = GpuBackendSelector.Select(kind, new CpuBackendOptions { Logger = logger, Budget = budget });
        }
        catch (NotSupportedException e)
        {
            throw new GpuUnavailableException($"--gpu {kind.ToString().ToLowerInvariant()}: {e.Message}", e);
        }
        logger?.Log(choice.IsFallback ? LogLevel.Warning : LogLevel.Debug, "{Line}", choice.Reason);
        return choice.Backend;
    }

    /// <summary>
    /// Defines all 14 functions. They exist whatever the backend, so guests always instantiate; an
    /// <see cref="UnavailableGpuBackend"/> gives an empty device-info and DeviceUnavailable errors.
    /// </summary>
    public static void Define(Linker linker, GuestContext guest, IGpuBackend backend)
    {
        var r = new Results(guest);

        linker.DefineFunction(ComputeModule, "get-device-info", (Caller c, int retptr) => WriteDeviceInfo(c, guest, backend.DeviceInfo, retptr));

        linker.DefineFunction(ComputeModule, "buffer-create", (Caller c, long size, int usage, int retptr) =>
        {
            if (r.Reserve(c, "buffer-create", retptr)) r.Write(c, "buffer-create", retptr, backend.BufferCreate((ulong)size, (BufferUsage)(uint)usage));
        });

        linker.DefineFunction(ComputeModule, "buffer-write", (Caller c, int buffer, long offset, int dataPtr, int dataLen, int retptr) =>
        {
            const string name = "buffer-write";
            if (!r.Reserve(c, name, retptr)) return;
            var result = guest.TryGetRange(c, name, dataPtr, dataLen, out var data)
                ? backend.BufferWrite((uint)buffer, (ulong)offset, data)
                : GpuError.InvalidParams;
            r.Write(c, name, retptr, result);
        });

        linker.DefineFunction(ComputeModule, "buffer-read", (Caller c, int buffer, long offset, int size, int retptr) => ReadBuffer(c, guest, r, backend, (uint)buffer, (ulong)offset, (uint)size, retptr));

        linker.DefineFunction(ComputeModule, "buffer-copy", (Caller c, int src, long srcOffset, int dst, long dstOffset, long size, int retptr) =>
        {
            if (r.Reserve(c, "buffer-copy", retptr))
                r.Write(c, "buffer-copy", retptr, backend.BufferCopy((uint)src, (ulong)srcOffset, (uint)dst, (ulong)dstOffset, (ulong)size));
        });

        linker.DefineFunction(ComputeModule, "buffer-destroy", (Caller c, int buffer, int retptr) =>
        {
            if (r.Reserve(c, "buffer-destroy", retptr)) r.Write(c, "buffer-destroy", retptr, backend.BufferDestroy((uint)buffer));
        });

        linker.DefineFunction(ComputeModule, "sync", backend.Sync);

        linker.DefineFunction(KernelsModule, "kernel-bootstrap-sample", (Caller c, int nSamples, int seed, int maxIndex, int output, int retptr) =>
        {
            if (r.Reserve(c, "kernel-bootstrap-sample", retptr))
                r.Write(c, "kernel-bootstrap-sample", retptr, backend.BootstrapSample(new BootstrapParams((uint)nSamples, (uint)seed, (uint)maxIndex), (uint)output));
        });

        linker.DefineFunction(KernelsModule, "kernel-find-split", (Caller c, int nSamples, int nFeatures, int featureIdx, int nThresholds,
            int data, int labels, int indices, int thresholds, int outputScores, int retptr) =>
        {
            if (r.Reserve(c, "kernel-find-split", retptr))
                r.Write(c, "kernel-find-split", retptr, backend.FindSplit(new FindSplitParams((uint)nSamples, (uint)nFeatures, (uint)featureIdx, (uint)nThresholds),
                    (uint)data, (uint)labels, (uint)indices, (uint)thresholds, (uint)outputScores));
        });

        linker.DefineFunction(KernelsModule, "kernel-average", (Caller c, int nTrees, int nSamples, int treePredictions, int output, int retptr) =>
        {
            if (r.Reserve(c, "kernel-average", retptr))
                r.Write(c, "kernel-average", retptr, backend.Average(new AverageParams((uint)nTrees, (uint)nSamples), (uint)treePredictions, (uint)output));
        });

        linker.DefineFunction(KernelsModule, "kernel-matmul", (Caller c, int m, int k, int n, int transA, int transB, float alpha, float beta,
            int a, int b, int cBuffer, int retptr) =>
        {
            if (r.Reserve(c, "kernel-matmul", retptr))
                r.Write(c, "kernel-matmul", retptr, backend.Matmul(new MatmulParams((uint)m, (uint)k, (uint)n, transA != 0, transB != 0, alpha, beta),
                    (uint)a, (uint)b, (uint)cBuffer));
        });

        linker.DefineFunction(KernelsModule, "kernel-elementwise", (Caller c, int nElements, int op, int inputA, int inputBIsSome, int inputB, int output, int retptr) =>
        {
            const string name = "kernel-elementwise";
            if (!r.Reserve(c, name, retptr)) return;
            var result = inputBIsSome switch
            {
                0 => backend.Elementwise(new ElementwiseParams((uint)nElements, (ElementwiseOp)op), (uint)inputA, null, (uint)output),
                1 => backend.Elementwise(new ElementwiseParams((uint)nElements, (ElementwiseOp)op), (uint)inputA, (uint)inputB, (uint)output),
                _ => GpuResult.Fail(GpuError.InvalidParams), // not an option<u32> discriminant
            };
            r.Write(c, name, retptr, result);
        });

        linker.DefineFunction(KernelsModule, "kernel-reduce", (Caller c, int nElements, int op, int input, int output, int retptr) =>
        {
            if (r.Reserve(c, "kernel-reduce", retptr))
                r.Write(c, "kernel-reduce", retptr, backend.Reduce(new ReduceParams((uint)nElements, (ReduceOp)op), (uint)input, (uint)output));
        });

        linker.DefineFunction(KernelsModule, "kernel-batch-predict", (Caller c, int batchSize, int nFeatures, int nTrees, int maxDepth,
            int samples, int treeNodes, int treeOffsets, int output, int retptr) =>
        {
            if (r.Reserve(c, "kernel-batch-predict", retptr))
                r.Write(c, "kernel-batch-predict", retptr, backend.BatchPredict(new BatchPredictParams((uint)batchSize, (uint)nFeatures, (uint)nTrees, (uint)maxDepth),
                    (uint)samples, (uint)treeNodes, (uint)treeOffsets, (uint)output));
        });
    }

    private static void ReadBuffer(Caller c, GuestContext guest, Results r, IGpuBackend backend, uint buffer, ulong offset, uint size, int retptr)
    {
        const string name = "buffer-read";
        if (!guest.TryGetRange(c, name, retptr, ListResultSize, out _)) return;
        // Check the range before asking the guest for memory, so a bad request costs the guest nothing.
        var bufferSize = backend.BufferSize(buffer);
        if (!bufferSize.IsOk)
        {
            r.Write(c, name, retptr, GpuResult.Fail(bufferSize.Error));
            return;
        }
        if (offset > bufferSize.Value || size > bufferSize.Value - offset || size > int.MaxValue)
        {
            r.Write(c, name, retptr, GpuResult.Fail(GpuError.InvalidParams));
            return;
        }
        int address = guest.Allocator.Allocate(c, name, 1, (int)size);
        if (address == 0)
        {
            r.Write(c, name, retptr, GpuResult.Fail(GpuError.InvalidParams));
            return;
        }
        var result = size == 0 ? GpuResult.Ok : backend.BufferRead(buffer, offset, guest.GetMemory(c, name)!.GetSpan((uint)address, (int)size));
        if (!result.IsOk)
        {
            r.Write(c, name, retptr, result);
            return;
        }
        Span<byte> bytes = stackalloc byte[ListResultSize];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, 0);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[4..], address);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[8..], (int)size);
        guest.WriteAt(c, name, retptr, bytes); // memory only grows: the range checked above is still inside
    }

    private static void WriteDeviceInfo(Caller c, GuestContext guest, DeviceInfo info, int retptr)
    {
        const string name = "get-device-info";
        if (!guest.TryGetRange(c, name, retptr, DeviceInfoSize, out _)) return;
        Span<byte> record = stackalloc byte[DeviceInfoSize];
        WriteString(c, guest, info.Name, record);
        WriteString(c, guest, info.Backend, record[8..]);
        BinaryPrimitives.WriteUInt64LittleEndian(record[16..], info.TotalMemory);
        BinaryPrimitives.WriteInt32LittleEndian(record[24..], info.IsHardware ? 1 : 0);
        WriteString(c, guest, info.ComputeCapability, record[28..]);
        guest.WriteAt(c, name, retptr, record);
    }

    /// <summary>Copies a string into the guest and stores (ptr, len) at <paramref name="slot"/>; an empty string when that fails.</summary>
    private static void WriteString(Caller c, GuestContext guest, string value, Span<byte> slot)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        int address = guest.Allocator.WriteBlock(c, "get-device-info", 1, utf8);
        BinaryPrimitives.WriteInt32LittleEndian(slot, address == 0 ? 1 : address);
        BinaryPrimitives.WriteInt32LittleEndian(slot[4..], address == 0 ? 0 : utf8.Length);
    }

    /// <summary>Checks and fills the 8-byte <c>result</c> area at a guest's <c>retptr</c>.</summary>
    private sealed class Results(GuestContext guest)
    {
        /// <summary>True when the result area lies in guest memory; otherwise the call must do nothing.</summary>
        public bool Reserve(Caller c, string function, int retptr) => guest.TryGetRange(c, function, retptr, ResultSize, out _);

        public void Write(Caller c, string function, int retptr, GpuResult result) =>
            Write(c, function, retptr, result.IsOk ? 0 : 1, result.IsOk ? 0 : (int)result.Error);

        public void Write(Caller c, string function, int retptr, GpuResult<uint> result) =>
            Write(c, function, retptr, result.IsOk ? 0 : 1, result.IsOk ? (int)result.Value : (int)result.Error);

        private void Write(Caller c, string function, int retptr, int tag, int payload)
        {
            Span<byte> bytes = stackalloc byte[ResultSize];
            BinaryPrimitives.WriteInt32LittleEndian(bytes, tag);
            BinaryPrimitives.WriteInt32LittleEndian(bytes[4..], payload);
            guest.WriteAt(c, function, retptr, bytes);
        }
    }
}
