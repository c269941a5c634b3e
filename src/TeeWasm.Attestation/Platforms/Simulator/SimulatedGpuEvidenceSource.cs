using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Attestation.Tokens;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Platforms.Simulator;

/// <summary>
/// Simulated NVIDIA GPUs in confidential-computing mode. Each report is in NVIDIA's format — an SPDM 1.1
/// GET_MEASUREMENTS request (with our 32-byte nonce) followed by the MEASUREMENTS response (DMTF measurement blocks,
/// responder nonce, NVIDIA opaque data, ECDSA P-384 signature over everything before it) — signed by the simulated
/// GPU device key and verified by the real <see cref="GpuReportVerifier"/> against the simulated GPU root.
/// </summary>
public sealed class SimulatedGpuEvidenceSource : IGpuEvidenceSource
{
    /// <summary>Number of measurement blocks a simulated GPU reports.</summary>
    public const int MeasurementBlocks = 8;

    /// <summary>Driver version in the simulated opaque data.</summary>
    public const string DriverVersion = "580.65.06";

    private const byte SignatureRequested = 0x01;
    private const byte AllMeasurements = 0xFF;
    private const byte DmtfSpecification = 0x01;
    private const byte DmtfRawDigest = 0x01;

    private readonly SimulatorAuthority _authority;
    private readonly TimeProvider _time;

    /// <summary>Creates <paramref name="gpuCount"/> simulated GPUs.</summary>
    public SimulatedGpuEvidenceSource(SimulatorAuthority authority, int gpuCount, TimeProvider? time = null)
    {
        _authority = authority;
        GpuCount = gpuCount;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public int GpuCount { get; }

    /// <inheritdoc />
    public bool Simulated => true;

    /// <summary>The golden value of measurement block <paramref name="block"/> (1-based) of GPU <paramref name="index"/>.</summary>
    public static byte[] MeasurementOf(int index, int block) =>
        SHA384.HashData(Encoding.UTF8.GetBytes($"TeeWasm simulated GH100 firmware, GPU {index}, measurement {block}"));

    /// <inheritdoc />
    public string? DeviceIdOf(int index) => index >= 0 && index < GpuCount ? UuidOf(index) : null;

    /// <summary>The UUID of simulated GPU <paramref name="index"/>: "GPU-" and a GUID made from the simulator's chip id and the index.</summary>
    public string UuidOf(int index)
    {
        byte[] h = SHA256.HashData([.. _authority.ChipId, .. Encoding.ASCII.GetBytes($"/gpu/{index}")]);
        string x = Convert.ToHexStringLower(h.AsSpan(0, 16));
        return $"GPU-{x[..8]}-{x[8..12]}-{x[12..16]}-{x[16..20]}-{x[20..32]}";
    }

    /// <summary>Makes a signed report for GPU <paramref name="index"/> over <paramref name="nonce32"/>.</summary>
    public byte[] CreateReport(int index, ReadOnlySpan<byte> nonce32)
    {
        if (nonce32.Length != GpuAttestationReport.NonceLength) throw new ArgumentException("GPU nonce must be 32 bytes", nameof(nonce32));
        var w = new MemoryStream(1024);
        // GET_MEASUREMENTS request: version, code, attributes, operation, nonce, slot.
        w.Write([GpuAttestationReport.SpdmVersion11, GpuAttestationReport.GetMeasurementsCode, SignatureRequested, AllMeasurements]);
        w.Write(nonce32);
        w.WriteByte(0);
        // MEASUREMENTS response header: version, code, param1, param2 (slot), number of blocks, 24-bit record length.
        var record = new MemoryStream();
        Span<byte> header = stackalloc byte[7];
        for (int block = 1; block <= MeasurementBlocks; block++)
        {
            byte[] value = MeasurementOf(index, block);
            header[0] = (byte)block;
            header[1] = DmtfSpecification;
            BinaryPrimitives.WriteUInt16LittleEndian(header[2..], (ushort)(3 + value.Length));
            header[4] = DmtfRawDigest;
            BinaryPrimitives.WriteUInt16LittleEndian(header[5..], (ushort)value.Length);
            record.Write(header);
            record.Write(value);
        }
        int recordLength = (int)record.Length;
        w.Write([GpuAttestationReport.SpdmVersion11, GpuAttestationReport.MeasurementsCode, 0, 0, MeasurementBlocks,
            (byte)recordLength, (byte)(recordLength >> 8), (byte)(recordLength >> 16)]);
        record.Position = 0;
        record.CopyTo(w);
        w.Write(RandomNumberGenerator.GetBytes(GpuAttestationReport.NonceLength)); // responder nonce
        byte[] opaque = OpaqueData();
        Span<byte> opaqueLength = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(opaqueLength, (ushort)opaque.Length);
        w.Write(opaqueLength);
        w.Write(opaque);
        byte[] signed = w.ToArray();
        using var key = _authority.GpuDevice.GetECDsaPrivateKey() ?? throw new AttestationException("simulated GPU certificate has no private key");
        byte[] signature = key.SignData(signed, HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return [.. signed, .. signature];
    }

    private static byte[] OpaqueData()
    {
        var o = new MemoryStream();
        void Field(NvidiaOpaqueFieldId id, ReadOnlySpan<byte> value)
        {
            Span<byte> h = stackalloc byte[4];
            BinaryPrimitives.WriteUInt16LittleEndian(h, (ushort)id);
            BinaryPrimitives.WriteUInt16LittleEndian(h[2..], (ushort)value.Length);
            o.Write(h);
            o.Write(value);
        }
        Field(NvidiaOpaqueFieldId.DriverVersion, Encoding.ASCII.GetBytes(DriverVersion + "\0"));
        Span<byte> vbios = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(vbios, 0x96_00_9F_00);   // "96.00.9f.00"
        BinaryPrimitives.WriteUInt32LittleEndian(vbios[4..], 0x01);       // ".01"
        Field(NvidiaOpaqueFieldId.VbiosVersion, vbios);
        Field(NvidiaOpaqueFieldId.Project, "1010"u8);
        Field(NvidiaOpaqueFieldId.ProjectSku, "0200"u8);
        Field(NvidiaOpaqueFieldId.ChipSku, "882"u8);
        return o.ToArray();
    }

    /// <inheritdoc />
    public CollectedEvidence Attest(int index, ReadOnlySpan<byte> nonce32, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> moduleHash)
    {
        if (index < 0 || index >= GpuCount) throw new AttestationException($"GPU index {index} out of range: {GpuCount} GPU(s) present");
        var evidence = new NvidiaGpuEvidence
        {
            Origin = NvidiaEvidenceOrigin.Simulator, Source = "simulator", Simulated = true, GpuIndex = index, Uuid = UuidOf(index), CcMode = "ON",
            Report = CreateReport(index, nonce32), StatedNonce = nonce32.ToArray(),
            CertificateChainPem = _authority.GpuDevice.ExportCertificatePem() + "\n" + _authority.GpuRoot.ExportCertificatePem(),
        };
        var (appraisal, reasons) = new NvidiaGpuEvidenceVerifier(new NvidiaGpuVerifierOptions { Root = _authority.GpuRoot, ExpectedNonce = nonce32.ToArray() })
            .Check(evidence, new VerificationContext { Time = _time.GetUtcNow() }, nonceSource: "");
        GpuReportVerifier.ThrowFirstFailure(appraisal, reasons);
        return new CollectedEvidence(
            new VerifiedEvidence
            {
                Platform = "NVIDIA GPU",
                Subject = "gpu",
                Measurement = appraisal.Claims!.Measurement,
                ReportData = nonce32.ToArray(),
                Nonce = nonce.ToArray(),
                ModuleHash = moduleHash.ToArray(),
                Simulated = true,
                GpuIndex = index,
                DeviceId = evidence.Uuid,
                VerifierNote = "simulated GPU: SPDM measurement report signed by the device key, chain to the simulated GPU root",
            },
            evidence with { Verdict = appraisal.Note },
            appraisal);
    }
}
