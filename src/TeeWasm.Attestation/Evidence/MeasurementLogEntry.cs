using System.Security.Cryptography;

namespace TeeWasm.Attestation.Evidence;

/// <summary>What a runtime measurement log entry records.</summary>
public enum MeasurementKind
{
    /// <summary>A WGSL shader module the guest compiled (<c>wasi:webgpu</c> <c>create-shader-module</c>).</summary>
    WgslShader,

    /// <summary>A <c>wasi:gpu</c> kernel kind the guest dispatched, and the backend that ran it.</summary>
    GpuKernel,
}

/// <summary>
/// One entry of the <see cref="RuntimeMeasurementLog"/>: code that reaches the GPU, outside the Wasm sandbox. Its JSON
/// is <c>{"type":"wgsl-shader","sha256":HEX,"bytes":N}</c> or <c>{"type":"wasi-gpu-kernel","kernel":NAME,"backend":NAME}</c>;
/// its event digest, the value the log extends with, is SHA-256 of that object's RFC 8785 canonical form.
/// </summary>
public sealed record MeasurementLogEntry
{
    /// <summary>The <c>type</c> of a WGSL shader entry.</summary>
    public const string WgslShaderType = "wgsl-shader";

    /// <summary>The <c>type</c> of a <c>wasi:gpu</c> kernel entry.</summary>
    public const string GpuKernelType = "wasi-gpu-kernel";

    private byte[]? _eventDigest;

    private MeasurementLogEntry() { }

    /// <summary>What it records.</summary>
    public MeasurementKind Kind { get; private init; }

    /// <summary>WGSL: SHA-256 of the source (UTF-8 bytes as the guest passed them); null for a kernel.</summary>
    public byte[]? Sha256 { get; private init; }

    /// <summary>WGSL: the source's length in bytes.</summary>
    public long Bytes { get; private init; }

    /// <summary>Kernel: its name in the WIT interface ("matmul", "find-split"…); null for WGSL.</summary>
    public string? Kernel { get; private init; }

    /// <summary>Kernel: the backend that ran it ("cpu", "webgpu", "cuda"…); null for WGSL.</summary>
    public string? Backend { get; private init; }

    /// <summary>The entry of a WGSL source.</summary>
    public static MeasurementLogEntry Wgsl(ReadOnlySpan<byte> source) =>
        new() { Kind = MeasurementKind.WgslShader, Sha256 = SHA256.HashData(source), Bytes = source.Length };

    /// <summary>The entry of a WGSL source known by its digest and length (read from a log).</summary>
    public static MeasurementLogEntry Wgsl(byte[] sha256, long bytes) =>
        sha256.Length == 32 && bytes >= 0 ? new() { Kind = MeasurementKind.WgslShader, Sha256 = sha256.ToArray(), Bytes = bytes }
            : throw new AttestationException("a wgsl-shader entry needs a 32-byte sha256 and a non-negative length");

    /// <summary>The entry of a kernel kind dispatched on a backend.</summary>
    public static MeasurementLogEntry GpuKernel(string kernel, string backend) =>
        !string.IsNullOrEmpty(kernel) && !string.IsNullOrEmpty(backend)
            ? new() { Kind = MeasurementKind.GpuKernel, Kernel = kernel, Backend = backend }
            : throw new AttestationException("a wasi-gpu-kernel entry needs a kernel and a backend name");

    /// <summary>The key under which the log keeps an entry once (the same shader or kernel kind is not logged again).</summary>
    internal string Key => Kind == MeasurementKind.WgslShader ? "w:" + Convert.ToHexStringLower(Sha256!) : $"k:{Kernel}\n{Backend}";

    /// <summary>SHA-256 of the entry's canonical JSON: what the log extends with.</summary>
    public byte[] EventDigest => _eventDigest ??= SHA256.HashData(EvidenceDocument.Parse(EvidenceDocument.WriteDocument(WriteTo)).Canonical());

    /// <summary>Writes the entry's members.</summary>
    public void WriteTo(EvidenceDocument.Writer w)
    {
        if (Kind == MeasurementKind.WgslShader)
        {
            w.String("type", WgslShaderType);
            w.Hex("sha256", Sha256!);
            w.Number("bytes", Bytes);
        }
        else
        {
            w.String("type", GpuKernelType);
            w.String("kernel", Kernel);
            w.String("backend", Backend);
        }
    }

    /// <summary>Reads an entry.</summary>
    /// <exception cref="AttestationException">Not a log entry; the message says why.</exception>
    public static MeasurementLogEntry Read(EvidenceDocument d)
    {
        ArgumentNullException.ThrowIfNull(d);
        switch (d.GetString("type"))
        {
            case WgslShaderType:
                byte[] sha;
                try
                {
                    sha = d.GetHex("sha256") ?? throw new AttestationException("a wgsl-shader entry has no sha256");
                }
                catch (FormatException)
                {
                    throw new AttestationException("a wgsl-shader entry's sha256 is not hex");
                }
                return Wgsl(sha, d.GetInt64("bytes") ?? throw new AttestationException("a wgsl-shader entry has no bytes"));
            case GpuKernelType:
                return GpuKernel(d.GetString("kernel") ?? "", d.GetString("backend") ?? "");
            case var other:
                throw new AttestationException($"measurement log entry type '{other}' is neither {WgslShaderType} nor {GpuKernelType}");
        }
    }

    /// <summary>One line for people.</summary>
    public override string ToString() => Kind == MeasurementKind.WgslShader
        ? $"{WgslShaderType} sha256:{Convert.ToHexStringLower(Sha256!)} ({Bytes} bytes)"
        : $"{GpuKernelType} {Kernel} on {Backend}";
}
