using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace TeeWasm.Runtime.Modules;

/// <summary>
/// A precompiled module file (<c>.cwasm</c>, and each entry of the <see cref="ModuleCache"/>): Wasmtime's serialized
/// code behind a header that says what compiled it, for which settings, from which <c>.wasm</c>, and a digest over all
/// of it, checked before Wasmtime sees a byte (Wasmtime itself loads an artifact with a flipped byte silently).
/// </summary>
/// <remarks>
/// Layout (integers little-endian):
/// <code>
///   0   8  magic "TWCWASM" 0x01
///   8  32  SHA-256 of bytes [40, end): the rest of the header and the artifact
///  40  32  SHA-256 of the source module (the module hash that attestation binds)
///  72   2  N, the length of the engine id
///  74   N  engine id, UTF-8 (<see cref="EngineSettings.EngineId"/>)
///  74+N    Wasmtime's serialized module
/// </code>
/// The digest detects damage, not tampering: whoever can write the file can rewrite the digest. Run only precompiled
/// modules you made or trust, as Wasmtime's own <c>--allow-precompiled</c> says.
/// </remarks>
public sealed class PrecompiledModule
{
    private const int MagicOffset = 0;
    private const int MagicLength = 8;
    private const int DigestOffset = MagicOffset + MagicLength;
    private const int DigestLength = 32;
    private const int ModuleHashOffset = DigestOffset + DigestLength;
    private const int ModuleHashLength = 32;
    private const int EngineIdLengthOffset = ModuleHashOffset + ModuleHashLength;
    private const int EngineIdOffset = EngineIdLengthOffset + 2;

    /// <summary>The first bytes of every precompiled module file.</summary>
    public static ReadOnlySpan<byte> Magic => "TWCWASM\u0001"u8;

    private PrecompiledModule(byte[] moduleHash, string engineId, ReadOnlyMemory<byte> artifact)
    {
        ModuleHash = moduleHash;
        EngineId = engineId;
        Artifact = artifact;
    }

    /// <summary>SHA-256 of the source module.</summary>
    public byte[] ModuleHash { get; }

    /// <summary>What compiled it and for which settings (<see cref="EngineSettings.EngineId"/>).</summary>
    public string EngineId { get; }

    /// <summary>Wasmtime's serialized module.</summary>
    public ReadOnlyMemory<byte> Artifact { get; }

    /// <summary>Whether <paramref name="file"/> starts like a precompiled module (says nothing of its integrity).</summary>
    public static bool HasMagic(ReadOnlySpan<byte> file) => file.StartsWith(Magic);

    /// <summary>Builds the file for <paramref name="artifact"/> compiled from a module whose SHA-256 is <paramref name="moduleHash"/>.</summary>
    public static byte[] Create(ReadOnlySpan<byte> moduleHash, string engineId, ReadOnlySpan<byte> artifact)
    {
        if (moduleHash.Length != ModuleHashLength) throw new ArgumentException("the module hash must be a 32-byte SHA-256", nameof(moduleHash));
        int idLength = Encoding.UTF8.GetByteCount(engineId);
        if (idLength > ushort.MaxValue) throw new ArgumentException("engine id too long", nameof(engineId));
        byte[] file = new byte[EngineIdOffset + idLength + artifact.Length];
        Magic.CopyTo(file.AsSpan(MagicOffset));
        moduleHash.CopyTo(file.AsSpan(ModuleHashOffset));
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(EngineIdLengthOffset), (ushort)idLength);
        Encoding.UTF8.GetBytes(engineId, file.AsSpan(EngineIdOffset));
        artifact.CopyTo(file.AsSpan(EngineIdOffset + idLength));
        SHA256.HashData(file.AsSpan(ModuleHashOffset), file.AsSpan(DigestOffset, DigestLength));
        return file;
    }

    /// <summary>
    /// Reads a precompiled module file, checking its magic, length and digest; false with a one-line
    /// <paramref name="error"/> (e.g. "its digest does not match (the file is damaged)") otherwise.
    /// </summary>
    public static bool TryRead(ReadOnlyMemory<byte> file, out PrecompiledModule? module, out string? error)
    {
        module = null;
        var span = file.Span;
        if (!HasMagic(span))
        {
            error = "it is not a tee-wasm precompiled module (no TWCWASM header)";
            return false;
        }
        if (span.Length < EngineIdOffset)
        {
            error = $"it is truncated ({span.Length} bytes, shorter than the header)";
            return false;
        }
        Span<byte> digest = stackalloc byte[DigestLength];
        SHA256.HashData(span[ModuleHashOffset..], digest);
        if (!CryptographicOperations.FixedTimeEquals(digest, span.Slice(DigestOffset, DigestLength)))
        {
            error = "its digest does not match its contents (the file is damaged)";
            return false;
        }
        int idLength = BinaryPrimitives.ReadUInt16LittleEndian(span[EngineIdLengthOffset..]);
        if (EngineIdOffset + idLength > span.Length)
        {
            error = "its engine id runs past the end of the file";
            return false;
        }
        string engineId;
        try
        {
            engineId = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(span.Slice(EngineIdOffset, idLength));
        }
        catch (DecoderFallbackException)
        {
            error = "its engine id is not UTF-8";
            return false;
        }
        module = new PrecompiledModule(span.Slice(ModuleHashOffset, ModuleHashLength).ToArray(), engineId,
            file[(EngineIdOffset + idLength)..]);
        error = null;
        return true;
    }
}
