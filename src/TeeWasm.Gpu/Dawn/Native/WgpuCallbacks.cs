using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TeeWasm.Gpu.Dawn.Native;

/// <summary>What one asynchronous operation's callback reported.</summary>
internal sealed class CallbackResult
{
    public bool Done;
    public uint Status;
    public uint ErrorType;
    public nint Handle;
    public string? Message;
    public List<ShaderCompilationMessage>? CompilationMessages;
}

/// <summary>
/// The unmanaged callbacks Dawn calls. <c>userdata1</c> is a <see cref="GCHandle"/> to a <see cref="CallbackResult"/>
/// (for device events, the device's callback number: see <see cref="WebGpuDevice.FromCallbackId"/>). They never
/// throw into native code.
/// </summary>
internal static unsafe class WgpuCallbacks
{
    public static readonly delegate* unmanaged[Cdecl]<uint, nint, WGPUStringView, void*, void*, void> RequestAdapter = &OnHandle;
    public static readonly delegate* unmanaged[Cdecl]<uint, nint, WGPUStringView, void*, void*, void> RequestDevice = &OnHandle;
    public static readonly delegate* unmanaged[Cdecl]<uint, WGPUStringView, void*, void*, void> BufferMap = &OnStatus;
    public static readonly delegate* unmanaged[Cdecl]<uint, uint, WGPUStringView, void*, void*, void> PopErrorScope = &OnPopErrorScope;
    public static readonly delegate* unmanaged[Cdecl]<uint, WGPUCompilationInfo*, void*, void*, void> CompilationInfo = &OnCompilationInfo;
    public static readonly delegate* unmanaged[Cdecl]<nint*, uint, WGPUStringView, void*, void*, void> DeviceLost = &OnDeviceLost;
    public static readonly delegate* unmanaged[Cdecl]<nint*, uint, WGPUStringView, void*, void*, void> UncapturedError = &OnUncapturedError;

    private static CallbackResult? Result(void* userdata) =>
        userdata is null ? null : GCHandle.FromIntPtr((nint)userdata).Target as CallbackResult;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnHandle(uint status, nint handle, WGPUStringView message, void* userdata1, void* userdata2)
    {
        try
        {
            if (Result(userdata1) is not { } r) return;
            r.Status = status;
            r.Handle = handle;
            r.Message = message.ToManaged();
            r.Done = true;
        }
        catch { /* never unwind into Dawn */ }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnStatus(uint status, WGPUStringView message, void* userdata1, void* userdata2)
    {
        try
        {
            if (Result(userdata1) is not { } r) return;
            r.Status = status;
            r.Message = message.ToManaged();
            r.Done = true;
        }
        catch { /* never unwind into Dawn */ }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnPopErrorScope(uint status, uint type, WGPUStringView message, void* userdata1, void* userdata2)
    {
        try
        {
            if (Result(userdata1) is not { } r) return;
            r.Status = status;
            r.ErrorType = type;
            r.Message = message.ToManaged();
            r.Done = true;
        }
        catch { /* never unwind into Dawn */ }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnCompilationInfo(uint status, WGPUCompilationInfo* info, void* userdata1, void* userdata2)
    {
        try
        {
            if (Result(userdata1) is not { } r) return;
            r.Status = status;
            var list = new List<ShaderCompilationMessage>();
            if (info is not null)
            {
                for (nuint i = 0; i < info->MessageCount; i++)
                {
                    ref readonly var m = ref info->Messages[i];
                    list.Add(new ShaderCompilationMessage(m.Type == WgpuConstants.CompilationMessageTypeError,
                        m.LineNum, m.LinePos, m.Message.ToManaged() ?? ""));
                }
            }
            r.CompilationMessages = list;
            r.Done = true;
        }
        catch { /* never unwind into Dawn */ }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnDeviceLost(nint* device, uint reason, WGPUStringView message, void* userdata1, void* userdata2)
    {
        try
        {
            WebGpuDevice.FromCallbackId(userdata1)?.OnLost(reason, message.ToManaged());
        }
        catch { /* never unwind into Dawn */ }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnUncapturedError(nint* device, uint type, WGPUStringView message, void* userdata1, void* userdata2)
    {
        try
        {
            WebGpuDevice.FromCallbackId(userdata1)?.OnUncapturedError(type, message.ToManaged());
        }
        catch { /* never unwind into Dawn */ }
    }
}
