using System.Security.Cryptography;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Verification;

/// <summary>
/// What the relying party expects the evidence to be bound to — the nonce it asked with, the module it expects, or the
/// report_data itself (<c>tee-wasm verify --nonce</c>, <c>--module</c>/<c>--module-hash</c>, <c>--report-data</c>) —
/// so that old evidence replayed to a verifier is rejected. Checked against the signed report: report_data directly,
/// nonce and module through the binding the evidence records (whose report_data the platform verifier matches with
/// the signed report).
/// </summary>
public sealed record ExpectedBinding
{
    /// <summary>The check this adds to every appraisal.</summary>
    public const string CheckName = "binding";

    /// <summary>The nonce the attestation was asked with (the binding's <c>nonce</c>), or null.</summary>
    public byte[]? Nonce { get; init; }

    /// <summary>SHA-256 of the module the evidence must bind, or null.</summary>
    public byte[]? ModuleHash { get; init; }

    /// <summary>Where <see cref="ModuleHash"/> came from ("--module FILE", "--module-hash"), for messages.</summary>
    public string ModuleSource { get; init; } = "--module-hash";

    /// <summary>The report_data the signed report must carry (at most 64 bytes; shorter is compared zero-padded), or null.</summary>
    public byte[]? ReportData { get; init; }

    /// <summary>True when nothing is expected.</summary>
    public bool IsEmpty => Nonce is null && ModuleHash is null && ReportData is null;

    /// <summary>Parses the expectations of <paramref name="options"/>.</summary>
    /// <exception cref="VerificationInputException">A value is not hex of the right size, or the module file is missing.</exception>
    public static ExpectedBinding From(VerifyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        byte[]? module = null;
        string source = "--module-hash";
        if (options.ModuleFile is { } file && options.ModuleHash is not null)
            throw new VerificationInputException("--module and --module-hash exclude each other");
        if (options.ModuleFile is { } path)
        {
            if (!File.Exists(path)) throw new VerificationInputException($"--module: file '{path}' not found");
            using FileStream s = File.OpenRead(path);
            module = SHA256.HashData(s);
            source = $"--module {path}";
        }
        else if (options.ModuleHash is { } hex)
        {
            module = Hex(hex, "--module-hash", "the module's SHA-256, 64 hex digits");
            if (module.Length != 32) throw new VerificationInputException($"--module-hash is {module.Length} bytes; a SHA-256 is 32");
        }
        byte[]? reportData = options.ReportData is { } rd ? Hex(rd, "--report-data", "up to 64 bytes") : null;
        if (reportData is { Length: > 64 }) throw new VerificationInputException($"--report-data is {reportData.Length} bytes; report_data holds 64");
        byte[]? nonce = options.Nonce is { } n ? Hex(n, "--nonce", "the nonce the attestation was asked with") : null;
        if (nonce is { Length: > ReportDataBinding.MaxNonceLength })
            throw new VerificationInputException($"--nonce is {nonce.Length} bytes; a nonce is at most {ReportDataBinding.MaxNonceLength}");
        return new ExpectedBinding { Nonce = nonce, ModuleHash = module, ModuleSource = source, ReportData = reportData };
    }

    /// <summary>
    /// The <c>binding</c> check of evidence the platform verifier appraised: the binding it records names the expected
    /// nonce and module (its report_data is what the verifier matched with the signed report), and report_data is the
    /// expected one; skipped when the evidence did not verify; null when nothing is expected.
    /// </summary>
    /// <param name="evidence">The evidence (its <see cref="AttestationEvidence.Binding"/>).</param>
    /// <param name="appraisal">Its appraisal (without this check).</param>
    /// <param name="signedReportData">The report_data the appraisal verified, when the platform exposes it.</param>
    public AppraisalCheck? Check(AttestationEvidence evidence, Appraisal appraisal, byte[]? signedReportData)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        ArgumentNullException.ThrowIfNull(appraisal);
        VmBinding? b = evidence.Binding;
        if (IsEmpty)
        {
            // Nothing expected: say what a replay check would need, visibly (a SKIP, never a silent pass).
            return new AppraisalCheck(CheckName, CheckStatus.Skip, b is null
                ? "not checked: the evidence records no binding; give --report-data HEX to require the report_data you expect (a replay is otherwise not detected)"
                : $"not checked against an expected value: the evidence is bound to nonce {Show(b.Nonce)} and module {Show(b.ModuleHash)} (its own {b.Scheme.ToShortName()} binding, which the signed report_data carries); give --nonce and --module to reject a replay");
        }
        if (!appraisal.EvidenceValid)
            return AppraisalCheck.Untrusted(CheckName);
        var passed = new List<string>();
        if (Nonce is { } nonce)
        {
            if (b is null) return Fail("NonceNotBound", "the evidence records no binding, so the nonce cannot be checked");
            if (!CryptographicOperations.FixedTimeEquals(b.Nonce, nonce))
                return Fail("NonceMismatch", $"nonce mismatch: the evidence is bound to nonce {Show(b.Nonce)}, not the expected --nonce {Show(nonce)} (replayed or for another request)");
            passed.Add($"nonce {Show(nonce)}");
        }
        if (ModuleHash is { } module)
        {
            if (b is null) return Fail("ModuleNotBound", "the evidence records no binding, so the module cannot be checked");
            if (!CryptographicOperations.FixedTimeEquals(b.ModuleHash, module))
                return Fail("ModuleMismatch", $"module mismatch: the evidence binds module SHA-256 {Show(b.ModuleHash)}, not {Show(module)} ({ModuleSource})");
            passed.Add($"module SHA-256 {Show(module)}");
        }
        if (ReportData is { } expected)
        {
            byte[] padded = new byte[64];
            expected.CopyTo(padded, 0);
            byte[]? actual = signedReportData ?? b?.ReportData;
            if (actual is null) return Fail("ReportDataNotChecked", "the evidence's report_data is not known to this check");
            if (!CryptographicOperations.FixedTimeEquals(actual.Length == 64 ? padded : expected, actual.Length == 64 || actual.Length == expected.Length ? actual : padded))
                return Fail("ReportDataMismatch", $"report_data mismatch: the signed report carries {Show(actual)}, not the expected --report-data {Show(expected)}");
            if (b is not null && !CryptographicOperations.FixedTimeEquals(b.ReportData, padded))
                return Fail("ReportDataMismatch", $"report_data mismatch: the evidence's binding gives {Show(b.ReportData)}, not the expected --report-data {Show(expected)}");
            passed.Add("report_data " + Show(expected));
        }
        string how = b is null ? "the signed report_data" : $"the {b.Scheme.ToShortName()} binding the signed report_data carries";
        return new AppraisalCheck(CheckName, CheckStatus.Pass, $"{string.Join(", ", passed)}: as expected ({how})");

        static AppraisalCheck Fail(string code, string why) => new(CheckName, CheckStatus.Fail, why) { Code = code };
    }

    private static string Show(byte[] bytes) => bytes.Length == 0 ? "(empty)" : Convert.ToHexStringLower(bytes);

    private static byte[] Hex(string text, string option, string what)
    {
        try
        {
            return Convert.FromHexString(text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text);
        }
        catch (FormatException)
        {
            throw new VerificationInputException($"{option} '{text}' is not hex ({what})");
        }
    }
}
