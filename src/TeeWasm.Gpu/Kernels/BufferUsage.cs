namespace TeeWasm.Gpu.Kernels;

/// <summary>The <c>buffer-usage</c> flags of <c>wasi:gpu</c> (bits 0..5).</summary>
[Flags]
public enum BufferUsage : uint
{
    /// <summary>No usage given.</summary>
    None = 0,

    /// <summary>The host may map it for reading.</summary>
    MapRead = 1,

    /// <summary>The host may map it for writing.</summary>
    MapWrite = 2,

    /// <summary>Source of copies.</summary>
    CopySrc = 4,

    /// <summary>Destination of copies and writes.</summary>
    CopyDst = 8,

    /// <summary>Uniform (kernel parameters).</summary>
    Uniform = 16,

    /// <summary>Storage (kernel data).</summary>
    Storage = 32,

    /// <summary>Every defined flag; other bits are invalid.</summary>
    All = MapRead | MapWrite | CopySrc | CopyDst | Uniform | Storage,
}
