using System.CommandLine;
using TeeWasm.Cli.CommandLine;
using System.Globalization;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Inputs;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Services.Tokens;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Cli.Commands;

/// <summary>
/// <c>tee-wasm verify FILE [--cert CERT]... [--collateral DIR] [--td-quote FILE] [--policy F] [--json] [--at TIME]</c>: verify evidence
/// on disk (SNP report, TDX quote, Azure HCL report, or attestation JSON), or NVIDIA GPU evidence (<c>attest gpu</c> JSON,
/// NVIDIA SDK evidence JSON, or a raw SPDM report with <c>--cert</c> and <c>--nonce</c>); or a composite result, a bundle
/// or a receipt (<see cref="DocumentVerification"/>). The verification is the
/// library's (<see cref="AttestationPlatforms.VerifyFile"/>); this command parses options and prints. Exit 0 valid,
/// 1 rejected, 2 usage.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<string>("FILE") { Description = "Evidence: SNP report (1184/1204 bytes), TDX quote (v4/v5), Azure HCL report (binary, hex or base64), the JSON 'tee-wasm attest' writes, or Trustee evidence JSON (snp, tdx, az-snp-vtpm, az-tdx-vtpm); a token (JWT: MAA, ITA, NRAS, TeeWasm; or an NRAS detached EAT) with --jwks; or NVIDIA GPU evidence: 'tee-wasm attest gpu' JSON (also --all), NVIDIA attestation SDK evidence JSON, or a raw SPDM report (binary, hex, base64) with --cert and --nonce; or 'tee-wasm attest all' JSON (the VM and every GPU), a bundle (attest --bundle) or a receipt (run --receipt)" }
            .ExistingFile("evidence file");
        var certs = new Option<string[]>("--cert") { Description = "Add certificates (DER or PEM; VCEK/VLEK, ASK/ASVK, ARK; for a raw GPU report: its device chain, PEM, leaf first); repeatable", HelpName = "CERT" }.ExistingFile();
        var collateral = new Option<string?>("--collateral")
        {
            Description = "Vendor collateral folder, every file recognised by content (any name): for TDX, Intel PCS TCB info JSON (one per platform: the PCK's FMSPC chooses; SGX ones are recognised and left out), TD QE identity JSON, the TCB signing chain PEM (TCB-Info-Issuer-Chain), PCK/root CA CRLs (DER or PEM); for SEV-SNP, AMD VCEK/VLEK/ASK/ARK certificates and the ARK's CRL (KDS /vcek/v1/{product}/crl); for NVIDIA GPU evidence, DER OCSP answers about the certificates of the device and RIM signing chains. A file not recognised, or a folder nothing of which applies, is an error",
            HelpName = "DIR",
        }.ExistingDirectory();
        var allowUnsigned = new Option<bool>("--allow-unsigned-collateral") { Description = "Accept TDX collateral whose signing chain is not supplied (its signature cannot be checked)" };
        var policy = new Option<string?>("--policy") { Description = "Also apply this policy (see docs/policy.md)", HelpName = "FILE" }.ExistingFile();
        var json = new Option<bool>("--json") { Description = "Print a machine-readable JSON verdict (docs/schemas/verify.schema.json)" };
        var trustSimulator = new Option<string?>("--trust-simulator")
        {
            Description = "Also trust the TeeWasm simulator's root in DIR (default: the user's simulator directory); results say SIMULATED",
            HelpName = "DIR",
            Arity = ArgumentArity.ZeroOrOne,
        }.ExistingDirectory();
        var tdQuote = new Option<string?>("--td-quote")
        {
            Description = "Azure TDX HCL report: the TD quote made from its TDREPORT (raw or base64); verified and compared field by field with the TDREPORT",
            HelpName = "FILE",
        }.ExistingFile();
        var gpuNonce = new Option<string?>("--nonce")
        {
            Description = "The nonce the attestation was asked with (hex): evidence that records its binding ('tee-wasm attest' JSON, VM or GPU) must be bound to it (checked through the signed report_data; a replay is rejected); for NVIDIA SDK evidence JSON and a raw GPU report, the 32-byte SPDM request nonce every report must be over (required for a raw report)",
            HelpName = "HEX",
        };
        var module = new Option<string?>("--module") { Description = "The guest module (.wasm) the evidence must bind: its SHA-256 must be the binding's module hash", HelpName = "FILE" };
        var moduleHash = new Option<string?>("--module-hash") { Description = "As --module, by the module's SHA-256 (64 hex digits)", HelpName = "HEX" };
        var reportData = new Option<string?>("--report-data") { Description = "VM evidence: the report_data the signed report must carry (hex, up to 64 bytes, zero-padded; for Azure vTPM evidence the value whose SHA-256 the TPM quote carries), as go-sev-guest's -report_data", HelpName = "HEX" };
        var rim = new Option<string?>("--rim") { Description = "GPU evidence: appraise each report's measurements against the NVIDIA RIMs in DIR (SWID XML recognised by content: .swidtag, .xml…), driver and VBIOS RIM chosen by version", HelpName = "DIR" };
        var product = new Option<string?>("--product") { Description = "With --fetch: the AMD product of a version 2 SEV-SNP report, which does not name it (Milan, Genoa, Turin)", HelpName = "NAME" };
        var saveCollateral = new Option<string?>("--save-collateral") { Description = "With --fetch: write what was fetched to DIR (files --collateral reads back, and collateral.json saying where each came from)", HelpName = "DIR" };
        var jwks = new Option<string?>("--jwks") { Description = "Token: the signing keys, a JWKS file or URL (Azure Attestation's /certs, with keys as x5c only, works as is); never the token's own jku", HelpName = "FILE|URL" };
        var issuer = new Option<string?>("--issuer") { Description = "Token: the issuer (iss) it must name", HelpName = "URL" };
        var fetch = new FetchOptions();
        var at = new Option<string?>("--at") { Description = "Verify as of this time (ISO 8601, e.g. 2025-06-01) instead of now", HelpName = "TIME" };
        var documents = new DocumentVerification.Options();

        var command = new Command("verify", "Verify VM or NVIDIA GPU evidence, an attestation token, a composite result, an offline bundle or a run's receipt from a file; exit 0 valid (every GPU, for GPU evidence), 1 rejected, 2 usage error")
        {
            file, certs, collateral, allowUnsigned, tdQuote, policy, json, at, trustSimulator, gpuNonce, module, moduleHash, reportData, rim, product, saveCollateral, jwks, issuer,
        };
        fetch.AddTo(command);
        documents.AddTo(command);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            byte[] data = BoundedRead.File(path, InputLimits.Evidence, "evidence file");
            if (TokenAppraiser.IsToken(data))
                return VerifyToken(parse, data, parse.GetValue(jwks), parse.GetValue(issuer), ParseTime(parse.GetValue(at)), parse.GetValue(json), stdout,
                    command.Options.Where(o => o != jwks && o != issuer && o != at && o != json && parse.GetResult(o) is { Implicit: false }).Select(o => o.Name));
            if (parse.GetValue(jwks) is not null || parse.GetValue(issuer) is not null)
                throw new UsageException("--jwks and --issuer apply to tokens; this file is evidence");
            using var fetcher = fetch.Create(parse, offlineAlone: DocumentVerification.IsBundleOrReceipt(data));
            if (fetcher is null && (parse.GetValue(product) is not null || parse.GetValue(saveCollateral) is not null))
                throw new UsageException("--product and --save-collateral apply only with --fetch");
            var options = new VerifyOptions
            {
                Time = ParseTime(parse.GetValue(at)),
                CertificateFiles = parse.GetValue(certs) ?? [],
                CollateralDirectory = parse.GetValue(collateral),
                AllowUnsignedCollateral = parse.GetValue(allowUnsigned),
                TdQuoteFile = parse.GetValue(tdQuote),
                Nonce = parse.GetValue(gpuNonce),
                ModuleFile = parse.GetValue(module),
                ModuleHash = parse.GetValue(moduleHash),
                ReportData = parse.GetValue(reportData),
                RimDirectory = parse.GetValue(rim),
                TrustSimulator = parse.GetResult(trustSimulator) is not null,
                SimulatorDirectory = parse.GetValue(trustSimulator),
                Policy = LoadPolicy(parse.GetValue(policy)),
                Fetcher = fetcher,
                Product = parse.GetValue(product),
            };
            // A receipt, a bundle or composite evidence (tee-wasm run --receipt, attest --bundle, attest all).
            if (DocumentVerification.TryRun(data, options, documents.Values(parse), parse.GetValue(json), stdout) is int code) return code;
            FileAppraisal result;
            try
            {
                result = AttestationPlatforms.VerifyFile(data, options);
            }
            catch (VerificationInputException e)
            {
                throw new UsageException(e.Message);
            }
            if (parse.GetValue(json)) VerifyOutput.WriteJson(stdout, result, fetcher?.Fetched);
            else VerifyOutput.WriteText(stdout, result, fetcher?.Fetched);
            if (parse.GetValue(saveCollateral) is { } save) fetcher!.Fetched.WriteFolder(save);
            if (!result.Valid && !options.TrustSimulator && result.File.Items.Any(e => e.Simulated))
                stderr.WriteLine("hint: this is the TeeWasm simulator's evidence; to check it against the simulator's root, add --trust-simulator [DIR] (development only)");
            return result.Valid ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    /// <summary>A token file: checked against the key set, printed (header, claims, signer, every check).</summary>
    private static int VerifyToken(ParseResult parse, byte[] data, string? jwks, string? issuer, DateTimeOffset? at, bool json, TextWriter stdout, IEnumerable<string> otherOptions)
    {
        string[] others = [.. otherOptions];
        if (others.Length > 0) throw new UsageException($"{string.Join(", ", others)} appl{(others.Length == 1 ? "ies" : "y")} to evidence; this file is a token (give --jwks, --issuer, --at)");
        if (jwks is null) throw new UsageException("a token needs its signing keys: --jwks FILE|URL (a JWKS)");
        string keys, source;
        if (Uri.TryCreate(jwks, UriKind.Absolute, out Uri? url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp))
        {
            try
            {
                keys = TokenAppraiser.FetchJwks(url);
            }
            catch (AttestationException e)
            {
                throw new UsageException("--jwks: " + e.Message);
            }
            source = url.ToString();
        }
        else
        {
            if (!File.Exists(jwks)) throw new UsageException($"--jwks: file '{jwks}' not found");
            keys = File.ReadAllText(jwks);
            source = jwks;
        }
        TokenAppraisal result;
        try
        {
            result = TokenAppraiser.Verify(System.Text.Encoding.UTF8.GetString(data), new TokenVerifyOptions { JwksJson = keys, JwksSource = source, Issuer = issuer, Time = at });
        }
        catch (VerificationInputException e)
        {
            throw new UsageException(e.Message);
        }
        if (json) VerifyOutput.WriteTokenJson(stdout, result);
        else VerifyOutput.WriteTokenText(stdout, result);
        return result.Valid ? 0 : 1;
    }

    private static AttestationPolicy? LoadPolicy(string? path)
    {
        if (path is null) return null;
        try
        {
            return AttestationPolicy.Load(path);
        }
        catch (PolicyException e)
        {
            throw new UsageException("--policy: " + e.Message, e);
        }
    }

    private static DateTimeOffset? ParseTime(string? text)
    {
        if (text is null) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)) return t;
        throw new UsageException($"--at '{text}' is not a date/time (e.g. 2025-06-01 or 2025-06-01T12:00:00Z)");
    }
}
