using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Verification;
using TeeWasm.Attestation.X509;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Benchmarks;

/// <summary>
/// Verifications per second of real evidence (issue 6): the go-sev-guest Milan SEV-SNP report with its VCEK
/// (ECDSA P-384 report signature, RSA-PSS VCEK→ASK→ARK chain) and the go-tdx-guest SPR v4 TDX quote (ECDSA P-256
/// quote and QE report signatures, PCK→Platform CA→Root chain), each with the chain verified every time and with a
/// warm <see cref="CertificateChainCache"/>, through the library's public verifiers (<see cref="SnpEvidenceVerifier"/>,
/// <see cref="TdxEvidenceVerifier"/>: the checks and the appraisal); beside the raw .NET ECDSA verify of the same curves, to compare with
/// <c>openssl speed ecdsap384 ecdsap256</c>.
/// </summary>
[MemoryDiagnoser]
public class VerifyBenchmarks
{
    private static readonly DateTimeOffset SnpTime = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset TdxTime = new(2026, 2, 15, 0, 0, 0, TimeSpan.Zero);

    private static readonly VerificationContext SnpContext = new() { Time = SnpTime };
    private static readonly VerificationContext TdxContext = new() { Time = TdxTime };

    private byte[] _snpReport = null!;
    private SnpEvidence _snpEvidence = null!;
    private SnpEvidenceVerifier _snpFull = null!;
    private SnpEvidenceVerifier _snpCached = null!;
    private TdxEvidence _tdxEvidence = null!;
    private TdxEvidenceVerifier _tdxFull = null!;
    private TdxEvidenceVerifier _tdxCached = null!;
    private ECDsa _p384 = null!;
    private ECDsa _p256 = null!;
    private byte[] _message = null!;
    private byte[] _sig384 = null!;
    private byte[] _sig256 = null!;

    /// <summary>Loads the vectors and warms the caches; fails loudly if a vector does not verify.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _snpReport = File.ReadAllBytes(RepoPaths.Vector("snp", "attestation.bin"));
        X509Certificate2 vcek = X509CertificateLoader.LoadCertificateFromFile(RepoPaths.Vector("snp", "vcek.testcer"));
        _snpEvidence = new SnpEvidence { Report = _snpReport, Certificates = [vcek] };
        _snpFull = new SnpEvidenceVerifier();
        _snpCached = new SnpEvidenceVerifier(new SnpVerifierOptions { ChainCache = new CertificateChainCache() });
        _tdxEvidence = new TdxEvidence { Quote = File.ReadAllBytes(RepoPaths.Vector("tdx", "tdx_prod_quote_SPR_E4.dat")) };
        _tdxFull = new TdxEvidenceVerifier();
        _tdxCached = new TdxEvidenceVerifier(new TdxVerifierOptions { ChainCache = new CertificateChainCache() });
        if (!SnpFull() || !SnpChainCached() || !TdxFull() || !TdxChainCached())
        {
            throw new InvalidOperationException("a benchmark vector does not verify");
        }

        _message = _snpReport[..SnpReport.SignedLength];
        _p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        _p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _sig384 = _p384.SignData(_message, HashAlgorithmName.SHA384);
        _sig256 = _p256.SignData(_message, HashAlgorithmName.SHA256);
    }

    /// <summary>SNP report, VCEK→ASK→ARK chain verified every time.</summary>
    [Benchmark]
    public bool SnpFull() => _snpFull.Verify(_snpEvidence, SnpContext).EvidenceValid;

    /// <summary>SNP report, chain from a warm cache (report signature, TCB, CHIP_ID still checked).</summary>
    [Benchmark]
    public bool SnpChainCached() => _snpCached.Verify(_snpEvidence, SnpContext).EvidenceValid;

    /// <summary>TDX quote without collateral, PCK chain verified every time.</summary>
    [Benchmark]
    public bool TdxFull() => _tdxFull.Verify(_tdxEvidence, TdxContext).EvidenceValid;

    /// <summary>TDX quote without collateral, PCK chain from a warm cache (quote and QE report signatures still checked).</summary>
    [Benchmark]
    public bool TdxChainCached() => _tdxCached.Verify(_tdxEvidence, TdxContext).EvidenceValid;

    /// <summary>One raw .NET ECDSA P-384/SHA-384 verify of 672 bytes (the SNP signed region's size).</summary>
    [Benchmark]
    public bool EcdsaP384Verify() => _p384.VerifyData(_message, _sig384, HashAlgorithmName.SHA384);

    /// <summary>One raw .NET ECDSA P-256/SHA-256 verify of 672 bytes.</summary>
    [Benchmark]
    public bool EcdsaP256Verify() => _p256.VerifyData(_message, _sig256, HashAlgorithmName.SHA256);

    /// <summary>Releases the keys.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _p384.Dispose();
        _p256.Dispose();
    }
}
