namespace TeeWasm.Gpu.Dawn.Native;

/// <summary>Enum values of webgpu.h (the binary's revision) that TeeWasm passes or checks.</summary>
internal static class WgpuConstants
{
    public const uint STypeShaderSourceWgsl = 0x2;

    public const uint CallbackModeWaitAnyOnly = 0x1;
    public const uint CallbackModeAllowProcessEvents = 0x2;
    public const uint CallbackModeAllowSpontaneous = 0x3;

    public const uint FeatureLevelCore = 0x2;
    public const uint PowerPreferenceHighPerformance = 0x2;

    public const uint StatusSuccess = 0x1;

    public const uint RequestAdapterStatusSuccess = 0x1;
    public const uint RequestDeviceStatusSuccess = 0x1;
    public const uint MapAsyncStatusSuccess = 0x1;
    public const uint CompilationInfoRequestStatusSuccess = 0x1;
    public const uint PopErrorScopeStatusSuccess = 0x1;

    public const uint WaitStatusSuccess = 0x1;
    public const uint WaitStatusTimedOut = 0x2;

    public const uint ErrorFilterValidation = 0x1;
    public const uint ErrorFilterOutOfMemory = 0x2;
    public const uint ErrorFilterInternal = 0x3;

    public const uint ErrorTypeNoError = 0x1;

    public const uint CompilationMessageTypeError = 0x1;

    public const uint BufferBindingTypeUniform = 0x2;
    public const uint BufferBindingTypeStorage = 0x3;
    public const uint BufferBindingTypeReadOnlyStorage = 0x4;

    public const ulong ShaderStageCompute = 0x4;

    public const ulong MapModeRead = 0x1;
    public const ulong MapModeWrite = 0x2;

    public const uint BufferMapStateMapped = 0x3;

    public const ulong WholeSize = ulong.MaxValue;
}
