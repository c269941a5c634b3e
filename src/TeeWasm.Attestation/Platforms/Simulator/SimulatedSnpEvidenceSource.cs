using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Platforms.Simulator;

/// <summary>
/// A simulated AMD SEV-SNP platform: makes byte-exact version-3 Milan attestation reports over the requested
/// report_data, signs them with the simulator VCEK, and verifies them with the real <see cref="SnpVerifier"/>
/// against the simulator root (trusted here, in simulate mode, and nowhere else).
/// </summary>
public sealed class SimulatedSnpEvidenceSource : IVmEvidenceSource
{
    /// <summary>Policy of simulated guests: SMT allowed, reserved bit 17 set, debug and migration agent off.</summary>
    public const ulong GuestPolicy = 0x30000;

    /// <summary>The launch measurement every simulated guest reports: SHA-384 of a fixed label.</summary>
    public static readonly byte[] Measurement = SHA384.HashData("TeeWasm simulated SEV-SNP launch v1"u8);

    private readonly SimulatorAuthority _authority;
    private readonly TimeProvider _time;

    /// <summary>Creates the source over a simulator authority.</summary>
    public SimulatedSnpEvidenceSource(SimulatorAuthority authority, TimeProvider? time = null)
    {
        _authority = authority;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public TeeType TeeType => TeeType.AmdSevSnp;

    /// <inheritdoc />
    public bool Simulated => true;

    /// <summary>Makes a signed report over <paramref name="reportData"/>.</summary>
    public byte[] CreateReport(ReadOnlySpan<byte> reportData)
    {
        var report = new SnpReport
        {
            Version = 3,
            GuestSvn = 1,
            Policy = GuestPolicy,
            FamilyId = new byte[16],
            ImageId = new byte[16],
            Vmpl = 0,
            SignatureAlgorithm = 1,
            CurrentTcb = SimulatorAuthority.Tcb,
            PlatformInfo = 0x1,
            Flags = 0, // signing key 0: VCEK
            ReportData = reportData.ToArray(),
            Measurement = Measurement,
            HostData = new byte[32],
            IdKeyDigest = new byte[48],
            AuthorKeyDigest = new byte[48],
            ReportId = RandomNumberGenerator.GetBytes(32),
            ReportIdMa = Enumerable.Repeat((byte)0xff, 32).ToArray(),
            ReportedTcb = SimulatorAuthority.Tcb,
            CpuidFamilyId = 0x19,
            CpuidModelId = 0x01,
            CpuidStepping = 0x01,
            ChipId = _authority.ChipId,
            CommittedTcb = SimulatorAuthority.Tcb,
            CurrentBuild = 21, CurrentMinor = 55, CurrentMajor = 1,
            CommittedBuild = 21, CommittedMinor = 55, CommittedMajor = 1,
            LaunchTcb = SimulatorAuthority.Tcb,
            SignatureR = new byte[72],
            SignatureS = new byte[72],
        };
        byte[] bytes = report.ToArray();
        using var key = _authority.Vcek.GetECDsaPrivateKey() ?? throw new AttestationException("simulator VCEK has no private key");
        SnpSignature.SignInPlace(bytes, key);
        return bytes;
    }

    /// <inheritdoc />
    public CollectedEvidence Attest(ReadOnlySpan<byte> reportData, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> moduleHash)
    {
        var evidence = new SnpEvidence
        {
            Report = CreateReport(reportData), Certificates = [_authority.Vcek, _authority.Ask, _authority.Ark], Source = "simulator", Simulated = true,
        };
        var appraisal = new SnpEvidenceVerifier(new SnpVerifierOptions { TrustedRoots = [_authority.Ark], SimulatorRoots = [_authority.Ark] })
            .Verify(evidence, new VerificationContext { ExpectedReportData = reportData.ToArray(), Time = _time.GetUtcNow() });
        if (!appraisal.EvidenceValid) throw new AttestationException($"simulated report rejected by the verifier: {appraisal.Message}");
        return new CollectedEvidence(
            SnpVmEvidenceSource.ToVerifiedEvidence(appraisal, nonce, moduleHash,
                "simulated SNP report: signature by VCEK, chain VCEK->ASK->ARK to the simulator root"),
            evidence, appraisal);
    }
}
