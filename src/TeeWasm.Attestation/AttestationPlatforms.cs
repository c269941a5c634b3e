using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Linux;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Attestation.Platforms.Simulator;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Tpm;
using TeeWasm.Attestation.Verification;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation;

/// <summary>
/// The registration of platforms: for verification, each platform's <see cref="EvidencePlatform"/> (its evidence
/// formats and how its verifier is made); for attestation, the evidence source for a detected platform. A new platform
/// is its folder under Platforms/ and one entry here.
/// </summary>
public static class AttestationPlatforms
{
    /// <summary>The platforms, in the order their formats are tried.</summary>
    public static IReadOnlyList<EvidencePlatform> All { get; } =
    [
        SnpPlatform.Instance,
        TdxPlatform.Instance,
        AzureVtpmPlatform.Instance,
        NvidiaPlatform.Instance,
    ];

    private static readonly EvidenceFileVerifier s_files = new(All);
    private static readonly CompositeEvidenceVerifier s_composite = new(All);

    /// <summary>
    /// Verifies evidence from a file as <c>tee-wasm verify</c> does: recognises it, makes its platform's verifier from
    /// <paramref name="options"/>, and appraises every item (one per GPU).
    /// </summary>
    /// <exception cref="VerificationInputException">The file is not recognised evidence, or an input is missing or does not apply.</exception>
    public static FileAppraisal VerifyFile(ReadOnlyMemory<byte> data, VerifyOptions options) =>
        s_files.Verify(data, new VerifyInputs(options, LoadSimulatorRoots));

    /// <summary>
    /// Verifies composite evidence (a composite result of <c>tee-wasm attest all</c> or <c>attest_all</c>, or its evidence):
    /// every device with its platform's verifier, every device over the one binding.
    /// </summary>
    /// <exception cref="VerificationInputException">Not composite evidence, malformed, or an input does not apply.</exception>
    public static CompositeAppraisal VerifyComposite(EvidenceDocument document, VerifyOptions options) =>
        VerifyComposite(s_composite.Read(document), options);

    /// <summary>Verifies composite evidence already read (<see cref="ReadComposite"/>).</summary>
    /// <exception cref="VerificationInputException">An input does not apply or is missing.</exception>
    public static CompositeAppraisal VerifyComposite(CompositeEvidence composite, VerifyOptions options) =>
        s_composite.Verify(composite, new VerifyInputs(options, LoadSimulatorRoots));

    /// <summary>Reads composite evidence.</summary>
    /// <exception cref="VerificationInputException">Not composite evidence, or malformed.</exception>
    public static CompositeEvidence ReadComposite(EvidenceDocument document) => s_composite.Read(document);

    /// <summary>Reads TeeWasm evidence JSON (the <c>evidence</c> of an attestation result) into typed evidence.</summary>
    /// <exception cref="System.Text.Json.JsonException">Not JSON.</exception>
    /// <exception cref="AttestationException">Not evidence of a known platform, or malformed.</exception>
    public static AttestationEvidence ReadEvidence(string json) =>
        s_files.ReadDocument(EvidenceDocument.Parse(json)) ?? throw new AttestationException("the evidence is not evidence of a known platform");

    private static IReadOnlyList<X509Certificate2> LoadSimulatorRoots(VerifyOptions options)
    {
        string dir = options.SimulatorDirectory ?? SimulatorAuthority.DefaultDirectory;
        if (!Directory.Exists(dir)) throw new VerificationInputException($"--trust-simulator: no simulator directory at '{dir}'");
        using var authority = SimulatorAuthority.LoadOrCreate(dir);
        return [X509CertificateLoader.LoadCertificate(authority.Ark.RawData), X509CertificateLoader.LoadCertificate(authority.GpuRoot.RawData)];
    }

    /// <summary>The simulator material for <paramref name="options"/>, loaded (or made) once, on first use.</summary>
    internal static Lazy<SimulatorAuthority> Simulator(AttesterOptions options) =>
        new(() => SimulatorAuthority.LoadOrCreate(options.SimulatorDirectory), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The VM evidence source for a detected platform, or null when there is none.</summary>
    internal static IVmEvidenceSource? ForVm(TeeDetection detection, AttesterOptions options, Lazy<SimulatorAuthority> simulator)
    {
        if (options.Mode == AttestationMode.Simulate)
            return new SimulatedSnpEvidenceSource(simulator.Value, options.Time);
        if (detection.IsAzureVtpm)
            return AzureVtpm(detection, options);
        return detection.Type switch
        {
            TeeType.AmdSevSnp => new SnpVmEvidenceSource(
                new SnpEvidenceSource(new SnpEvidenceSourceOptions
                {
                    ConfigFsTsmPath = options.Probe.TsmReportRoot,
                    SevGuestDevicePath = options.Probe.SevGuestDevice,
                }),
                options.VmCertificateFiles.SelectMany(f => CertificateLoader.LoadFile(f)).ToArray(),
                time: options.Time) { CollateralFetcher = options.CollateralFetcher },
            TeeType.IntelTdx => new TdxVmEvidenceSource(
                new TdxEvidenceSource(new TdxEvidenceSourceOptions { ConfigFsTsmRoot = options.Probe.TsmReportRoot }),
                options.TdxCollateralDirectory is { } dir ? TdxCollateral.LoadDirectory(dir) : null,
                options.Time) { CollateralFetcher = options.CollateralFetcher },
            _ => null,
        };
    }

    /// <summary>Where the VCEK of a detected SEV-SNP platform comes from, in one line (see <see cref="Attester.DescribeVcek"/>).</summary>
    internal static string DescribeVcek(TeeDetection detection, AttesterOptions options)
    {
        if (detection.IsAzureVtpm) return AzureVtpm(detection, options).DescribeVcek();
        return options.VmCertificateFiles.Count > 0
            ? "certificate file(s) " + string.Join(", ", options.VmCertificateFiles)
            : "the certificate table the host returns with each extended report (configfs-tsm auxblob or /dev/sev-guest), "
              + "when it provides one; otherwise give --vm-cert";
    }

    /// <summary>The source of an Azure confidential VM: its vTPM (device or socket), the VCEK files and TDX collateral of the options.</summary>
    private static AzureVtpmEvidenceSource AzureVtpm(TeeDetection detection, AttesterOptions options)
    {
        var detector = new TeeDetector(options.Probe);
        return new AzureVtpmEvidenceSource(
            () => detector.OpenTpm() ?? throw new TpmException($"no TPM at {options.Probe.TpmSocket ?? options.Probe.TpmDevice}"),
            detection.Type,
            options.AzureVtpm with
            {
                FetchVcekFromImds = options.AzureVtpm.FetchVcekFromImds || options.FetchVcekFromImds,
                FetchTdQuoteFromImds = options.AzureVtpm.FetchTdQuoteFromImds || options.FetchTdQuoteFromImds,
                ImdsEndpoint = options.ImdsAddress is { } imds ? new Uri(imds, AzureVtpmOptions.ThimPath).ToString() : options.AzureVtpm.ImdsEndpoint,
                TdQuoteBaseUri = options.ImdsAddress ?? options.AzureVtpm.TdQuoteBaseUri,
                WriteHclUserData = options.WritesHclUserData,
                CertificateFiles = [.. options.AzureVtpm.CertificateFiles, .. options.VmCertificateFiles],
                TdxCollateral = options.AzureVtpm.TdxCollateral
                    ?? (options.TdxCollateralDirectory is { } dir ? TdxCollateral.LoadDirectory(dir) : null),
            },
            options.Time);
    }

    /// <summary>The GPU evidence source, or null when there is no GPU to attest.</summary>
    internal static IGpuEvidenceSource? ForGpus(AttesterOptions options, Lazy<SimulatorAuthority> simulator) =>
        options.Mode == AttestationMode.Simulate
            ? new SimulatedGpuEvidenceSource(simulator.Value, options.SimulatedGpuCount, options.Time)
            : NvidiaGpuEvidenceSource.TryCreate(new NvidiaGpuEvidenceSourceOptions
            {
                NvmlLibrary = options.Probe.NvmlLibrary, Time = options.Time, RemoteVerifier = options.GpuVerifier, RemoteMode = options.GpuVerifierMode,
            });
}
