using System.CommandLine;
using TeeWasm.Cli.CommandLine;
using System.Globalization;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Policy;
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
        var file = new Argument<string>("FILE") { Description = "Evidence: SNP report (1184/1204 bytes), TDX quote (v4/v5), Azure HCL report, base64 of one, or the JSON 'tee-wasm attest' writes; or NVIDIA GPU evidence: 'tee-wasm attest gpu' JSON (also --all), NVIDIA attestation SDK evidence JSON, or a raw SPDM report (binary, hex, base64) with --cert and --nonce; or 'tee-wasm attest all' JSON (the VM and every GPU), a bundle (attest --bundle) or a receipt (run --receipt)" }
            .ExistingFile("evidence file");
        var certs = new Option<string[]>("--cert") { Description = "Add certificates (DER or PEM; VCEK/VLEK, ASK/ASVK, ARK; for a raw GPU report: its device chain, PEM, leaf first); repeatable", HelpName = "CERT" }.ExistingFile();
        var collateral = new Option<string?>("--collateral") { Description = "TDX collateral folder (files named *tcbinfo*, *qeidentity*, *crl*)", HelpName = "DIR" }.ExistingDirectory();
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
            Description = "GPU evidence: the 32-byte SPDM request nonce (hex) every report must be over; default: the evidence's binding (attest gpu JSON) or its stated nonce (SDK JSON); required for a raw report",
            HelpName = "HEX",
        };
        var rim = new Option<string?>("--rim") { Description = "GPU evidence: appraise each report's measurements against the NVIDIA RIMs (*.xml) in DIR, driver and VBIOS RIM chosen by version", HelpName = "DIR" };
        var at = new Option<string?>("--at") { Description = "Verify as of this time (ISO 8601, e.g. 2025-06-01) instead of now", HelpName = "TIME" };
        var documents = new DocumentVerification.Options();

        var command = new Command("verify", "Verify VM or NVIDIA GPU evidence, a composite result, an offline bundle or a run's receipt from a file; exit 0 valid (every GPU, for GPU evidence), 1 rejected, 2 usage error")
        {
            file, certs, collateral, allowUnsigned, tdQuote, policy, json, at, trustSimulator, gpuNonce, rim,
        };
        documents.AddTo(command);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            var options = new VerifyOptions
            {
                Time = ParseTime(parse.GetValue(at)),
                CertificateFiles = parse.GetValue(certs) ?? [],
                CollateralDirectory = parse.GetValue(collateral),
                AllowUnsignedCollateral = parse.GetValue(allowUnsigned),
                TdQuoteFile = parse.GetValue(tdQuote),
                Nonce = parse.GetValue(gpuNonce),
                RimDirectory = parse.GetValue(rim),
                TrustSimulator = parse.GetResult(trustSimulator) is not null,
                SimulatorDirectory = parse.GetValue(trustSimulator),
                Policy = LoadPolicy(parse.GetValue(policy)),
            };
            byte[] data = File.ReadAllBytes(path);
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
            if (parse.GetValue(json)) VerifyOutput.WriteJson(stdout, result);
            else VerifyOutput.WriteText(stdout, result);
            if (!result.Valid && !options.TrustSimulator && result.File.Items.Any(e => e.Simulated))
                stderr.WriteLine("hint: this is the TeeWasm simulator's evidence; to check it against the simulator's root, add --trust-simulator [DIR] (development only)");
            return result.Valid ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
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
