using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Tokens;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Receipts;

/// <summary>What a receipt is checked against besides itself.</summary>
public sealed record ReceiptVerifyOptions
{
    /// <summary>The inputs for the launch evidence: time, roots (<c>--trust-simulator</c>), certificates, collateral (a bundle's).</summary>
    public VerifyOptions Evidence { get; init; } = new();

    /// <summary>Host directories holding the guest's directories (guest name → host path): their files are compared with the receipt's digests.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Directories { get; init; } = [];

    /// <summary>A file holding the guest's stdout, compared with the receipt's digest; null skips the check.</summary>
    public string? StdoutFile { get; init; }

    /// <summary>The bundle of the run's launch attestation (<c>run --receipt … --bundle</c>): its collateral is used, and it must be that launch's.</summary>
    public Bundles.SignedBundle? Bundle { get; init; }
}

/// <summary>The verdict on a receipt: the launch evidence's appraisal and the receipt's own checks, in order.</summary>
/// <param name="Receipt">The receipt.</param>
/// <param name="Attestation">The launch evidence's appraisal, when it could be read.</param>
/// <param name="Checks">The checks.</param>
public sealed record ReceiptAppraisal(SignedReceipt Receipt, CompositeAppraisal? Attestation, IReadOnlyList<AppraisalCheck> Checks)
{
    /// <summary>True when every check passed (skipped ones aside).</summary>
    public bool Valid => Checks.All(c => c.Status != CheckStatus.Fail);

    /// <summary>The failed checks as "name: reason", joined by "; ".</summary>
    public string Failures => string.Join("; ", Checks.Where(c => c.Status == CheckStatus.Fail).Select(c => $"{c.Name}: {c.Reason}"));
}

/// <summary>
/// Verifies a receipt: its signature by the host key it names; the launch attestation (the VM and every GPU) with the
/// given inputs; that the attestation binds that host key, the receipt's id as nonce and its workload; the workload
/// document's digest; the measurement log replayed to the receipt's value; every token (signed by the host key, valid
/// when issued, naming the workload and a value the log passed through); and, when given, the files and stdout.
/// </summary>
public static class ReceiptVerifier
{
    /// <summary>The names of the checks, in order.</summary>
    public const string SignatureCheck = "signature", BundleCheck = "bundle", AttestationCheck = "attestation", BindingCheck = "binding", LogCheck = "measurement log",
        TokensCheck = "tokens", TimesCheck = "times", FilesCheck = "files", StdoutCheck = "stdout";

    /// <summary>Verifies <paramref name="signed"/>.</summary>
    /// <exception cref="VerificationInputException">An input does not apply or is missing (a directory, a certificate file…).</exception>
    public static ReceiptAppraisal Verify(SignedReceipt signed, ReceiptVerifyOptions options)
    {
        ArgumentNullException.ThrowIfNull(signed);
        ArgumentNullException.ThrowIfNull(options);
        RunReceipt r = signed.Receipt;
        var checks = new List<AppraisalCheck>();

        bool signatureOk = signed.Signature.HostKey.AsSpan().SequenceEqual(r.HostKey) && signed.Signature.Verifies(signed.Signed.Canonical());
        checks.Add(signatureOk
            ? new(SignatureCheck, CheckStatus.Pass, $"ES256 by host key {Short(r.HostKey)} over the receipt")
            : new(SignatureCheck, CheckStatus.Fail, signed.Signature.HostKey.AsSpan().SequenceEqual(r.HostKey)
                ? "the signature does not verify: the receipt was changed after it was signed"
                : "the receipt is signed by another key than the host key it names"));

        VerifyOptions evidenceOptions = options.Evidence;
        if (options.Bundle is { } bundle)
        {
            checks.Add(Bundle(r, bundle, options.Evidence));
            evidenceOptions = evidenceOptions with { Collateral = bundle.Bundle.Collateral };
        }

        CompositeAppraisal? attestation = null;
        CompositeEvidence? launch = null;
        try
        {
            launch = AttestationPlatforms.ReadComposite(r.LaunchAttestation);
        }
        catch (VerificationInputException e)
        {
            checks.Add(new(AttestationCheck, CheckStatus.Fail, "the launch attestation cannot be read: " + e.Message));
        }
        if (launch is not null)
        {
            attestation = AttestationPlatforms.VerifyComposite(launch, evidenceOptions);
            checks.Add(new(AttestationCheck, attestation.Valid ? CheckStatus.Pass : CheckStatus.Fail, attestation.Verdict));
        }
        checks.Add(Binding(r, attestation));

        IReadOnlyList<MeasurementLogValue> values = RuntimeMeasurementLog.Replay(r.MeasurementLog);
        checks.Add(values[^1].Value.AsSpan().SequenceEqual(r.MeasurementLogValue.Value)
            ? new(LogCheck, CheckStatus.Pass, $"{r.MeasurementLog.Count} entr{(r.MeasurementLog.Count == 1 ? "y replays" : "ies replay")} to {r.MeasurementLogValue.Hex}")
            : new(LogCheck, CheckStatus.Fail, $"the entries replay to {values[^1].Hex}, not to the receipt's value {r.MeasurementLogValue.Hex}"));
        checks.Add(Tokens(r, values));
        checks.Add(r.Started <= r.Ended
            ? new(TimesCheck, CheckStatus.Pass, $"ran {r.Started:u} to {r.Ended:u} ({(r.Ended - r.Started).TotalSeconds:0.###} s), exit code {r.ExitCode}")
            : new(TimesCheck, CheckStatus.Fail, $"ended {r.Ended:u} before it started {r.Started:u}"));
        checks.Add(Files(r, options.Directories));
        checks.Add(Stdout(r, options.StdoutFile));
        return new ReceiptAppraisal(signed, attestation, checks);
    }

    private static AppraisalCheck Bundle(RunReceipt r, Bundles.SignedBundle bundle, VerifyOptions options)
    {
        Bundles.BundleAppraisal appraisal = Bundles.BundleVerifier.Verify(bundle, options);
        if (!appraisal.Valid) return new(BundleCheck, CheckStatus.Fail, "the bundle does not verify: " + appraisal.Failures);
        VmBinding? b = appraisal.Composite?.Evidence.Binding;
        if (b is null || !b.Nonce.AsSpan().SequenceEqual(r.ReceiptId) || !b.HostKey.AsSpan().SequenceEqual(r.HostKey))
            return new(BundleCheck, CheckStatus.Fail, "the bundle holds another attestation than this run's launch (its nonce or host key is not the receipt's)");
        int stale = appraisal.Stale.Count();
        return new(BundleCheck, CheckStatus.Pass, $"the bundle of this launch verifies; its {bundle.Bundle.Collateral.Items.Count} piece(s) of collateral are used"
            + (stale == 0 ? "" : $" ({stale} stale at the verification time)"));
    }

    private static AppraisalCheck Binding(RunReceipt r, CompositeAppraisal? attestation)
    {
        if (attestation is null) return new(BindingCheck, CheckStatus.Skip, "the launch attestation could not be read");
        VmBinding b = attestation.Evidence.Binding;
        string? wrong = !b.HostKey.AsSpan().SequenceEqual(r.HostKey) ? "another host key than the one that signed the receipt"
            : !b.Nonce.AsSpan().SequenceEqual(r.ReceiptId) ? "another nonce than the receipt's id (it is another run's)"
            : !b.ModuleHash.AsSpan().SequenceEqual(r.Workload.ModuleSha256) ? "another module than the receipt's workload"
            : !(b.WorkloadSha256 ?? []).AsSpan().SequenceEqual(r.Workload.Digest) ? $"workload {(b.WorkloadSha256 is { } w ? Short(w) : "(none)")}, not the receipt's {Short(r.Workload.Digest)}"
            : null;
        return wrong is null
            ? new(BindingCheck, CheckStatus.Pass, $"the attestation binds the signing key, the receipt id and workload {Short(r.Workload.Digest)} (module {Short(r.Workload.ModuleSha256)})")
            : new(BindingCheck, CheckStatus.Fail, "the launch attestation binds " + wrong);
    }

    private static AppraisalCheck Tokens(RunReceipt r, IReadOnlyList<MeasurementLogValue> values)
    {
        if (r.Tokens.Count == 0) return new(TokensCheck, CheckStatus.Fail, "the receipt names no token (the launch token is always there)");
        var problems = new List<string>();
        int local = 0;
        for (int i = 0; i < r.Tokens.Count; i++)
        {
            JsonWebToken jwt;
            try
            {
                jwt = new JsonWebToken(r.Tokens[i]);
            }
            catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException)
            {
                problems.Add($"token {i} is not a JWT");
                continue;
            }
            if (jwt.Issuer != AttestationClaims.LocalIssuer) continue; // a token service's: it vouches for itself
            local++;
            if (CheckToken(r, jwt, r.Tokens[i], values) is { } problem) problems.Add($"token {i}: {problem}");
        }
        return problems.Count == 0
            ? new(TokensCheck, CheckStatus.Pass, $"{r.Tokens.Count} token(s); the {local} local one(s) signed by the host key when valid, naming the workload and values the log passed through")
            : new(TokensCheck, CheckStatus.Fail, string.Join("; ", problems));
    }

    private static string? CheckToken(RunReceipt r, JsonWebToken jwt, string token, IReadOnlyList<MeasurementLogValue> values)
    {
        // Each token is checked as of when it was issued (it may have expired since).
        var validator = new AttestationTokenValidator(new FixedTime(new DateTimeOffset(jwt.IssuedAt, TimeSpan.Zero))) { CacheVerdicts = false };
        // The key is not disposed, and its signature providers not cached: IdentityModel caches providers by key identity
        // across key objects, and a cached provider over a disposed key fails the next token.
        var key = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = r.HostKey[1..33], Y = r.HostKey[33..] } });
        validator.TrustIssuer(AttestationClaims.LocalIssuer, new ECDsaSecurityKey(key) { CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false } });
        var verdict = validator.Verify(token);
        if (!verdict.Valid) return verdict.Reason;
        var issued = new DateTimeOffset(jwt.IssuedAt, TimeSpan.Zero);
        if (issued < r.Started.AddSeconds(-5) || issued > r.Ended.AddSeconds(5)) return $"issued {issued:u}, outside the run";
        if (!jwt.TryGetPayloadValue(AttestationClaims.WorkloadSha256, out string workload) || workload != r.Workload.DigestHex)
            return "does not name the receipt's workload";
        if (jwt.TryGetPayloadValue(AttestationClaims.MeasurementLog, out string log))
        {
            int entries = jwt.TryGetPayloadValue(AttestationClaims.MeasurementLogLength, out int n) ? n : -1;
            if (entries < 0 || entries >= values.Count || values[entries].Hex != log)
                return $"names measurement log value {log} after {entries} entries, which replaying the log does not give";
        }
        return null;
    }

    private static AppraisalCheck Files(RunReceipt r, IReadOnlyList<KeyValuePair<string, string>> directories)
    {
        if (directories.Count == 0)
            return new(FilesCheck, CheckStatus.Skip, $"{r.FilesRead.Count} read, {r.FilesWritten.Count} written: not compared (give --dir HOST::GUEST)");
        foreach (var (_, host) in directories)
            if (!Directory.Exists(host)) throw new VerificationInputException($"--dir: directory '{host}' does not exist");
        var problems = new List<string>();
        int compared = 0;
        foreach (var (file, verb) in r.FilesWritten.Select(f => (f, "written")).Concat(r.FilesRead.Select(f => (f, "read"))))
        {
            if (file.Sha256 is null) continue;
            if (directories.FirstOrDefault(d => d.Key == file.Directory) is not { Value: { } host }) continue;
            string path = Path.Combine(host, file.Path);
            compared++;
            if (!File.Exists(path))
            {
                problems.Add($"{verb} {file.GuestPath}: missing");
                continue;
            }
            using var stream = File.OpenRead(path);
            if (!SHA256.HashData(stream).AsSpan().SequenceEqual(file.Sha256))
                problems.Add($"{verb} {file.GuestPath}: its SHA-256 is not the receipt's (the file was changed after the run)");
        }
        return problems.Count == 0
            ? new(FilesCheck, compared == 0 ? CheckStatus.Skip : CheckStatus.Pass,
                compared == 0 ? "no file of the receipt lies in the directories given" : $"{compared} file(s) match the receipt's digests")
            : new(FilesCheck, CheckStatus.Fail, string.Join("; ", problems));
    }

    private static AppraisalCheck Stdout(RunReceipt r, string? file)
    {
        if (file is null) return new(StdoutCheck, CheckStatus.Skip, $"{r.StdoutBytes} bytes, sha256 {Convert.ToHexStringLower(r.StdoutSha256)}: not compared (give --stdout FILE)");
        if (!File.Exists(file)) throw new VerificationInputException($"--stdout: file '{file}' not found");
        byte[] bytes = File.ReadAllBytes(file);
        return SHA256.HashData(bytes).AsSpan().SequenceEqual(r.StdoutSha256)
            ? new(StdoutCheck, CheckStatus.Pass, $"{bytes.Length} bytes match the receipt's digest")
            : new(StdoutCheck, CheckStatus.Fail, $"the {bytes.Length} bytes of {file} are not what the guest wrote to stdout ({r.StdoutBytes} bytes)");
    }

    private static string Short(byte[] b) => Convert.ToHexStringLower(b)[..16] + "…";

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
