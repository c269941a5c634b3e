using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.X509;
using TeeWasm.Attestation.Inputs;

namespace TeeWasm.Attestation.Verification;

/// <summary>
/// One platform as verification sees it: how its evidence is recognised (evidence JSON, raw files, vendor formats) and
/// how its verifier is made from what the user gave. Each platform folder has one; the attestation library registers
/// them (<c>AttestationPlatforms</c>), and <see cref="EvidenceFileVerifier"/> knows no platform but through them.
/// </summary>
public abstract class EvidencePlatform : IEvidenceReader
{
    /// <summary>The platform's ABI name: "AMD SEV-SNP", "Intel TDX", "NVIDIA GPU".</summary>
    public abstract string Name { get; }

    /// <summary>What its evidence attests.</summary>
    public abstract EvidenceSubject Subject { get; }

    /// <summary>What its raw evidence file is, in words ("an SNP report"), for messages; null when it has none.</summary>
    public virtual string? RawName => null;

    /// <summary>True when <paramref name="document"/> is this platform's evidence (by what it says it is, or by its report).</summary>
    /// <exception cref="FormatException">The document's report is not base64.</exception>
    public abstract bool Recognizes(EvidenceDocument document);

    /// <summary>Reads this platform's evidence from <paramref name="document"/> (without checking that it is this platform's).</summary>
    /// <exception cref="AttestationException">Malformed.</exception>
    /// <exception cref="FormatException">A member that must be base64 or hex is not.</exception>
    public abstract AttestationEvidence Read(EvidenceDocument document);

    /// <inheritdoc />
    public AttestationEvidence? TryRead(EvidenceDocument document) => Recognizes(document) ? Read(document) : null;

    /// <summary>Its evidence in raw bytes (a binary report or quote; the caller also tries the bytes base64-decoded); null when not.</summary>
    public virtual AttestationEvidence? TryReadRaw(ReadOnlyMemory<byte> data) => null;

    /// <summary>A whole file in a format of the platform's vendor (tried before anything else); null when not.</summary>
    /// <exception cref="VerificationInputException">The file is in that format but malformed.</exception>
    public virtual EvidenceFile? TryReadFile(ReadOnlyMemory<byte> data) => null;

    /// <summary>
    /// The JSON object of a file that holds Trustee evidence: the object itself, or the <c>primary_evidence</c> of
    /// Trustee's composite evidence (also inside a KBS Attestation's <c>tee-evidence</c>); null when the file is not a JSON object.
    /// </summary>
    protected static System.Text.Json.JsonElement? TrusteeJson(ReadOnlyMemory<byte> data)
    {
        ReadOnlySpan<byte> t = data.Span.Trim(" \t\r\n"u8);
        if (t.Length == 0 || t[0] != (byte)'{') return null;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(data);
            System.Text.Json.JsonElement e = doc.RootElement;
            if (e.TryGetProperty("tee-evidence", out var tee) && tee.ValueKind == System.Text.Json.JsonValueKind.Object) e = tee;
            if (e.TryGetProperty("primary_evidence", out var primary) && primary.ValueKind == System.Text.Json.JsonValueKind.Object) e = primary;
            return e.Clone();
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>Evidence standing for an attestation result that failed (its JSON has no evidence); null when such a record is an error.</summary>
    public virtual AttestationEvidence? FailedAttestation(string error) => null;

    /// <summary>The verifier for <paramref name="file"/>, configured from <paramref name="inputs"/>.</summary>
    /// <exception cref="VerificationInputException">An input is missing, unreadable, or does not apply to this evidence.</exception>
    public abstract IEvidenceVerifier CreateVerifier(VerifyInputs inputs, EvidenceFile file);
}

/// <summary>Evidence read from a file: one VM report, or one or more GPUs.</summary>
public sealed record EvidenceFile
{
    /// <summary>What the file is, in words ("NVIDIA attestation SDK evidence JSON (4 GPUs)", "AMD SEV-SNP report").</summary>
    public required string Kind { get; init; }

    /// <summary>The platform whose evidence it holds.</summary>
    public required EvidencePlatform Platform { get; init; }

    /// <summary>The evidence, in file order.</summary>
    public required IReadOnlyList<AttestationEvidence> Items { get; init; }

    /// <summary>True for a bare report whose certificate chain (and GPU nonce) must come from the inputs.</summary>
    public bool IsRaw { get; init; }

    /// <summary>How the file was read, when worth saying ("the 20 bytes after the report … were ignored").</summary>
    public string? Note { get; init; }
}

/// <summary>The inputs of one verification: the options as given, and what the library loads from them once.</summary>
/// <param name="options">The options.</param>
/// <param name="loadSimulatorRoots">Loads the simulator's roots (for <see cref="VerifyOptions.TrustSimulator"/>).</param>
public sealed class VerifyInputs(VerifyOptions options, Func<VerifyOptions, IReadOnlyList<X509Certificate2>> loadSimulatorRoots)
{
    private IReadOnlyList<X509Certificate2>? _simulatorRoots;
    private ExpectedBinding? _expected;
    private CollateralFolder? _collateral;
    private bool _collateralLoaded;

    /// <summary>The options as given.</summary>
    public VerifyOptions Options { get; } = options;

    /// <summary>The same inputs with other options (the simulator's roots are loaded the same way).</summary>
    public VerifyInputs With(VerifyOptions other) => new(other, loadSimulatorRoots);

    /// <summary>The simulator's roots when <see cref="VerifyOptions.TrustSimulator"/>, else none.</summary>
    /// <exception cref="VerificationInputException">There is no simulator directory.</exception>
    public IReadOnlyList<X509Certificate2> SimulatorRoots => _simulatorRoots ??= Options.TrustSimulator ? loadSimulatorRoots(Options) : [];

    /// <summary>What the evidence must be bound to (<c>--nonce</c>, <c>--module</c>, <c>--report-data</c>), parsed once.</summary>
    /// <exception cref="VerificationInputException">A value is malformed.</exception>
    public ExpectedBinding Expected => _expected ??= ExpectedBinding.From(Options);

    /// <summary>The <c>--collateral</c> folder or the <see cref="VerifyOptions.Collateral"/> set, read once as files each platform recognises by content; null without either.</summary>
    /// <exception cref="VerificationInputException">The folder does not exist or cannot be read.</exception>
    public CollateralFolder? Collateral
    {
        get
        {
            if (!_collateralLoaded)
            {
                _collateral = Options.CollateralDirectory is { } dir ? CollateralFolder.Load(dir)
                    : Options.Collateral is { } set ? CollateralFolder.FromSet(set, "the bundle's collateral") : null;
                _collateralLoaded = true;
            }
            return _collateral;
        }
    }

    /// <summary>Each file of <see cref="VerifyOptions.CertificateFiles"/> must exist.</summary>
    /// <exception cref="VerificationInputException">One does not.</exception>
    public IReadOnlyList<string> ExistingCertificateFiles()
    {
        foreach (string c in Options.CertificateFiles)
            if (!File.Exists(c)) throw new VerificationInputException($"--cert: file '{c}' not found");
        return Options.CertificateFiles;
    }

    /// <summary>
    /// The inputs of VM evidence, checked and loaded in order: no GPU option, the certificates (DER or PEM), the
    /// collateral folder exists, the simulator roots, the TD quote file exists (its bytes; what they are is the
    /// platform's to say).
    /// </summary>
    /// <exception cref="VerificationInputException">An input is missing, unreadable, or only for GPU evidence.</exception>
    public VmInputs PrepareVm()
    {
        if (Options.RimDirectory is not null)
            throw new VerificationInputException("--rim applies to NVIDIA GPU evidence only");
        var certificates = new List<X509Certificate2>();
        foreach (string c in ExistingCertificateFiles())
        {
            try
            {
                certificates.AddRange(CertificateLoader.LoadFile(c));
            }
            catch (AttestationException e)
            {
                throw new VerificationInputException($"--cert {c}: {e.Message}", e);
            }
        }
        CollateralFolder? collateral = Collateral;
        IReadOnlyList<X509Certificate2> simulator = SimulatorRoots;
        byte[]? tdQuote = null;
        if (Options.TdQuoteFile is { } quotePath)
        {
            if (!File.Exists(quotePath)) throw new VerificationInputException($"--td-quote: file '{quotePath}' not found");
            try
            {
                tdQuote = BoundedRead.File(quotePath, InputLimits.Evidence, "--td-quote file");
            }
            catch (InputTooLargeException e)
            {
                throw new VerificationInputException(e.Message, e);
            }
        }
        return new VmInputs(certificates, collateral, simulator, tdQuote);
    }
}

/// <summary>The inputs of VM evidence, loaded (<see cref="VerifyInputs.PrepareVm"/>).</summary>
/// <param name="Certificates">The <c>--cert</c> certificates.</param>
/// <param name="Collateral">The collateral read by content: the <c>--collateral</c> folder or a bundle's set (<see cref="VerifyInputs.Collateral"/>), or null.</param>
/// <param name="SimulatorRoots">The simulator roots to trust, or none.</param>
/// <param name="TdQuoteFile">The bytes of the <c>--td-quote</c> file, or null.</param>
public sealed record VmInputs(IReadOnlyList<X509Certificate2> Certificates, CollateralFolder? Collateral,
    IReadOnlyList<X509Certificate2> SimulatorRoots, byte[]? TdQuoteFile)
{
    /// <summary>The refusal of <c>--td-quote</c> for evidence that is not an Azure HCL report with a TDREPORT inside.</summary>
    public const string TdQuoteNotApplicable = "--td-quote applies to an Azure HCL report with a TDREPORT inside only";
}
