using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Tokens;

namespace TeeWasm.Attestation.Simulator;

/// <summary>
/// Simulated NVIDIA GPUs in confidential-computing mode. Each report is
/// <c>magic "TWGPUSIM" ‖ u32 LE gpu index ‖ nonce (32) ‖ measurement (48) ‖ ECDSA P-384 r‖s (96, big-endian)</c>,
/// signed by the simulated GPU device key, whose certificate chains to the simulated GPU root.
/// </summary>
public sealed class SimulatedGpuEvidenceSource : IGpuEvidenceSource
{
    private const int MagicOffset = 0;
    private const int IndexOffset = 8;
    private const int NonceOffset = 12;
    private const int MeasurementOffset = 44;
    private const int SignatureOffset = 92;
    /// <summary>Size of a simulated GPU report.</summary>
    public const int ReportSize = SignatureOffset + 96;
    private static ReadOnlySpan<byte> Magic => "TWGPUSIM"u8;

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

    /// <summary>The measurement simulated GPU <paramref name="index"/> reports (SHA-384 of its firmware label).</summary>
    public static byte[] MeasurementOf(int index) => SHA384.HashData(System.Text.Encoding.UTF8.GetBytes($"TeeWasm simulated GH100 VBIOS+driver, GPU {index}"));

    /// <summary>Makes a signed report for GPU <paramref name="index"/> over <paramref name="nonce32"/>.</summary>
    public byte[] CreateReport(int index, ReadOnlySpan<byte> nonce32)
    {
        if (nonce32.Length != 32) throw new ArgumentException("GPU nonce must be 32 bytes", nameof(nonce32));
        var report = new byte[ReportSize];
        Magic.CopyTo(report.AsSpan(MagicOffset));
        BinaryPrimitives.WriteUInt32LittleEndian(report.AsSpan(IndexOffset), (uint)index);
        nonce32.CopyTo(report.AsSpan(NonceOffset));
        MeasurementOf(index).CopyTo(report.AsSpan(MeasurementOffset));
        using var key = _authority.GpuDevice.GetECDsaPrivateKey() ?? throw new AttestationException("simulated GPU certificate has no private key");
        key.SignData(report.AsSpan(0, SignatureOffset), report.AsSpan(SignatureOffset), HashAlgorithmName.SHA384);
        return report;
    }

    /// <summary>Verifies a simulated GPU report: layout, nonce, signature, and the device chain to <paramref name="root"/>.</summary>
    public static (int Index, byte[] Measurement) Verify(ReadOnlySpan<byte> report, ReadOnlySpan<byte> expectedNonce,
        X509Certificate2 device, X509Certificate2 root, DateTimeOffset at)
    {
        if (report.Length != ReportSize || !report[..Magic.Length].SequenceEqual(Magic))
            throw new AttestationException("not a simulated GPU report");
        if (!report.Slice(NonceOffset, 32).SequenceEqual(expectedNonce))
            throw new AttestationException("GPU report nonce does not match the requested nonce");
        using var pub = device.GetECDsaPublicKey() ?? throw new AttestationException("GPU device certificate has no EC key");
        if (!pub.VerifyData(report[..SignatureOffset], report[SignatureOffset..], HashAlgorithmName.SHA384))
            throw new AttestationException("GPU report signature does not verify with the device certificate");
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = at.UtcDateTime;
        if (!chain.Build(device))
            throw new AttestationException("GPU device certificate does not chain to the GPU root: " +
                string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim())));
        return ((int)BinaryPrimitives.ReadUInt32LittleEndian(report[IndexOffset..]), report.Slice(MeasurementOffset, 48).ToArray());
    }

    /// <inheritdoc />
    public CollectedEvidence Attest(int index, ReadOnlySpan<byte> nonce32, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> moduleHash)
    {
        if (index < 0 || index >= GpuCount) throw new AttestationException($"GPU index {index} out of range: {GpuCount} GPU(s) present");
        byte[] report = CreateReport(index, nonce32);
        var (_, measurement) = Verify(report, nonce32, _authority.GpuDevice, _authority.GpuRoot, _time.GetUtcNow());
        string nonceHex = Convert.ToHexStringLower(nonce32);
        string json = EvidenceJson.Write("NVIDIA_GPU", "simulator", simulated: true, report, [_authority.GpuDevice, _authority.GpuRoot], w =>
        {
            w.WriteNumber("gpu_index", index);
            w.WriteString("name", "NVIDIA H100 (simulated)");
            w.WriteString("cc_mode", "ON");
            w.WriteString("driver_version", "580.00.00-sim");
            w.WriteString("vbios_version", "96.00.00.00.00-sim");
            w.WriteString("nonce", nonceHex);
            w.WriteString("measurement", Convert.ToHexStringLower(measurement));
        });
        return new CollectedEvidence(
            new VerifiedEvidence
            {
                Platform = "NVIDIA GPU",
                Subject = "gpu",
                Measurement = measurement,
                ReportData = nonce32.ToArray(),
                Nonce = nonce.ToArray(),
                ModuleHash = moduleHash.ToArray(),
                Simulated = true,
                GpuIndex = index,
                VerifierNote = "simulated GPU report: signature by device key, chain to the simulated GPU root",
            },
            json);
    }
}
