using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace TeeWasm.Attestation.Tpm;

/// <summary>
/// A TPMS_ATTEST structure of type TPM_ST_ATTEST_QUOTE (TPM 2.0 Part 2 §10.12.12): what a TPM signs in TPM2_Quote.
/// Layout (big-endian): magic (4) ‖ type (2) ‖ qualifiedSigner (TPM2B_NAME) ‖ extraData (TPM2B_DATA) ‖
/// clockInfo (clock 8, resetCount 4, restartCount 4, safe 1) ‖ firmwareVersion (8) ‖ TPMS_QUOTE_INFO (pcrSelect, pcrDigest).
/// </summary>
public sealed class TpmAttest
{
    /// <summary>TPM_GENERATED_VALUE: every structure the TPM signs starts with it.</summary>
    public const uint GeneratedMagic = 0xFF544347;

    /// <summary>TPM_ST_ATTEST_QUOTE.</summary>
    public const ushort TypeQuote = 0x8018;

    private const int ClockInfoSize = 8 + 4 + 4 + 1;

    private TpmAttest(byte[] raw) => Raw = raw;

    /// <summary>The signed bytes.</summary>
    public byte[] Raw { get; }

    /// <summary>The TPM name of the signing key.</summary>
    public byte[] QualifiedSigner { get; private init; } = [];

    /// <summary>extraData: the caller's qualifyingData (our nonce).</summary>
    public byte[] ExtraData { get; private init; } = [];

    /// <summary>TPM clock in milliseconds.</summary>
    public ulong Clock { get; private init; }

    /// <summary>TPM reset count.</summary>
    public uint ResetCount { get; private init; }

    /// <summary>TPM restart count.</summary>
    public uint RestartCount { get; private init; }

    /// <summary>TPM firmware version.</summary>
    public ulong FirmwareVersion { get; private init; }

    /// <summary>The quoted PCRs per bank (hash algorithm, ascending indices).</summary>
    public IReadOnlyList<(ushort HashAlgorithm, IReadOnlyList<int> Pcrs)> PcrSelection { get; private init; } = [];

    /// <summary>Digest (with the signing key's name algorithm) of the concatenated selected PCR values.</summary>
    public byte[] PcrDigest { get; private init; } = [];

    /// <summary>Parses a quote's TPMS_ATTEST; throws <see cref="TpmException"/> when malformed.</summary>
    public static TpmAttest Parse(ReadOnlySpan<byte> data) =>
        TryParse(data, out var attest, out var error) ? attest : throw new TpmException("malformed TPMS_ATTEST: " + error);

    /// <summary>Parses a quote's TPMS_ATTEST.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, [NotNullWhen(true)] out TpmAttest? attest, [NotNullWhen(false)] out string? error)
    {
        attest = null;
        try
        {
            int o = 0;
            uint magic = BinaryPrimitives.ReadUInt32BigEndian(data);
            if (magic != GeneratedMagic) { error = $"magic 0x{magic:x8} is not TPM_GENERATED_VALUE"; return false; }
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
            if (type != TypeQuote) { error = $"type 0x{type:x4} is not TPM_ST_ATTEST_QUOTE"; return false; }
            o = 6;
            byte[] signer = ReadSized(data, ref o);
            byte[] extra = ReadSized(data, ref o);
            ulong clock = BinaryPrimitives.ReadUInt64BigEndian(data[o..]);
            uint reset = BinaryPrimitives.ReadUInt32BigEndian(data[(o + 8)..]);
            uint restart = BinaryPrimitives.ReadUInt32BigEndian(data[(o + 12)..]);
            o += ClockInfoSize;
            ulong firmware = BinaryPrimitives.ReadUInt64BigEndian(data[o..]);
            o += 8;
            var selection = TpmPcrSelection.ReadList(data, ref o);
            byte[] digest = ReadSized(data, ref o);
            if (o != data.Length) { error = $"{data.Length - o} trailing bytes"; return false; }
            attest = new TpmAttest(data.ToArray())
            {
                QualifiedSigner = signer,
                ExtraData = extra,
                Clock = clock,
                ResetCount = reset,
                RestartCount = restart,
                FirmwareVersion = firmware,
                PcrSelection = selection.Select(s => (s.Hash, (IReadOnlyList<int>)s.Pcrs)).ToArray(),
                PcrDigest = digest,
            };
            error = null;
            return true;
        }
        catch (TpmException e)
        {
            error = e.Message;
            return false;
        }
        catch (ArgumentOutOfRangeException)
        {
            error = "truncated";
            return false;
        }
    }

    internal static byte[] ReadSized(ReadOnlySpan<byte> data, ref int offset)
    {
        int size = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
        byte[] value = data.Slice(offset + 2, size).ToArray();
        offset += 2 + size;
        return value;
    }
}
