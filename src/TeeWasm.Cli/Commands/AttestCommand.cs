using System.CommandLine;
using System.Text.Json;
using TeeWasm.Cli.CommandLine;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Bundles;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Inputs;

namespace TeeWasm.Cli.Commands;

/// <summary>
/// <c>tee-wasm attest vm|gpu|all</c>: collect, verify and print evidence and a token; <c>all</c> is the VM and every GPU
/// over one nonce and host key with one token (<see cref="Attester.AttestAll"/>); <c>--bundle</c> also writes an offline bundle.
/// </summary>
internal static class AttestCommand
{
    public static Command Create(CliOptions shared, TextWriter stdout, TextWriter stderr)
    {
        var target = new Argument<string>("TARGET") { Description = "vm: the confidential VM; gpu: an NVIDIA GPU; all: the VM and every GPU, one nonce and host key, one token with each device's claims" };
        target.AcceptOnlyFromAmong("vm", "gpu", "all");
        var nonce = new Option<string?>("--nonce") { Description = "A relying party's nonce to bind, in hex (at most 64 bytes)", HelpName = "HEX" };
        var outFile = new Option<string?>("--out") { Description = "Write the result JSON (token and evidence; docs/schemas/attestation-result.schema.json) to FILE instead of stdout", HelpName = "FILE" }.WritableFile();
        var gpuIndex = new Option<int>("--index") { Description = "Which GPU to attest (gpu only)", DefaultValueFactory = _ => 0, HelpName = "N" };
        var allGpus = new Option<bool>("--all") { Description = "Attest every GPU (gpu only): a JSON array, exit 0 only when all pass" };
        var module = new Option<string?>("--module") { Description = "Bind this module's SHA-256 into the report (default: 32 zero bytes)", HelpName = "FILE" }.ExistingFile();
        var format = new Option<string>("--format")
        {
            Description = "vm only: json (the result: token, evidence JSON) or bin (the raw report or quote bytes the hardware signed, as go-sev-guest -outform bin; needs --out)",
            DefaultValueFactory = _ => "json",
            HelpName = "json|bin",
        };
        format.AcceptOnlyFromAmong("json", "bin");
        var bundle = new Option<string?>("--bundle")
        {
            Description = "Also write an offline bundle to FILE: the result and the collateral a verifier needs without a network (certificates the platform returned, --vm-cert files, --tdx-collateral, --rim), signed by the attested host key; check it with 'tee-wasm verify FILE --offline'",
            HelpName = "FILE",
        }.WritableFile();
        var rim = new Option<string?>("--rim") { Description = "With --bundle: put the NVIDIA RIMs (*.xml) in DIR into the bundle", HelpName = "DIR" }.ExistingDirectory();

        var command = new Command("attest", "Attest the VM, a GPU, or all of them, and print the result JSON; exit 1 when attestation fails")
        {
            target, nonce, outFile, gpuIndex, allGpus, module, format, bundle, rim,
        };
        shared.AddTo(command);
        shared.AddFetchTo(command);
        command.SetAction(parse =>
        {
            byte[] nonceBytes = ParseNonce(parse.GetValue(nonce));
            AttesterOptions attesterOptions = shared.ToAttesterOptions(parse);
            using var attester = new Attester(attesterOptions);
            if (parse.GetValue(module) is { } modulePath)
            {
                if (!File.Exists(modulePath)) throw new UsageException($"--module: file '{modulePath}' not found");
                attester.ModuleHash = Attester.HashModule(BoundedRead.File(modulePath, InputLimits.Module, "--module file"));
            }
            bool gpu = parse.GetValue(target) == "gpu";
            string? bundlePath = parse.GetValue(bundle);
            string? rimDir = parse.GetValue(rim);
            if (rimDir is not null && bundlePath is null) throw new UsageException("--rim applies with --bundle only");
            if (rimDir is not null && !Directory.Exists(rimDir)) throw new UsageException($"--rim: directory '{rimDir}' not found");
            if (parse.GetValue(target) == "all")
            {
                if (parse.GetValue(allGpus)) throw new UsageException("--all applies to 'attest gpu' only ('attest all' already covers every GPU)");
                return AttestAll(attester, nonceBytes, parse.GetValue(outFile), bundlePath, rimDir, attesterOptions, stdout, stderr);
            }
            if (parse.GetValue(allGpus))
            {
                if (!gpu) throw new UsageException("--all applies to 'attest gpu' only");
                if (bundlePath is not null) throw new UsageException("--bundle takes one result: use 'attest all --bundle' for the VM and every GPU");
                return AttestAllGpus(attester, nonceBytes, parse.GetValue(outFile), stdout, stderr);
            }
            bool bin = parse.GetValue(format) == "bin";
            if (bin && gpu) throw new UsageException("--format bin applies to 'attest vm' only (a GPU's SPDM report is in the JSON)");
            if (bin && parse.GetValue(outFile) is null) throw new UsageException("--format bin writes binary: give --out FILE");
            var result = gpu ? attester.AttestGpu(parse.GetValue(gpuIndex), nonceBytes) : attester.AttestVm(nonceBytes);
            if (bundlePath is not null && result.Success)
                WriteBundle(bundlePath, BundleCollector.Bundle(result, attesterOptions, attester.HostKey, rimDir), stdout);
            if (bin)
            {
                if (!result.Success || result.Evidence is null)
                {
                    stderr.WriteLine("error: " + (result.Error ?? "no evidence"));
                    return 1;
                }
                byte[] raw = EvidenceDocument.Parse(result.Evidence).GetBase64("report") ?? [];
                File.WriteAllBytes(parse.GetValue(outFile)!, raw);
                stdout.WriteLine($"attestation OK: wrote {parse.GetValue(outFile)} ({raw.Length} bytes: the raw {result.TeeType} report)");
                return 0;
            }
            string json = JsonOutput.Pretty(result.ToJsonUtf8());
            if (parse.GetValue(outFile) is { } path)
            {
                File.WriteAllText(path, json + "\n");
                stdout.WriteLine(result.Success ? $"attestation OK: wrote {path} (token: {result.Token!.Length} chars)" : $"wrote {path}");
            }
            else
            {
                stdout.WriteLine(json);
            }
            if (!result.Success) stderr.WriteLine("error: " + result.Error);
            return result.Success ? 0 : 1;
        });
        return command;
    }

    private static int AttestAll(Attester attester, byte[] nonce, string? outFile, string? bundlePath, string? rimDir, AttesterOptions options,
        TextWriter stdout, TextWriter stderr)
    {
        CompositeAttestationResult result = attester.AttestAll(nonce);
        if (bundlePath is not null && result.Success) WriteBundle(bundlePath, BundleCollector.Bundle(result, options, attester.HostKey, rimDir), stdout);
        string json = JsonOutput.Pretty(result.ToJsonUtf8());
        if (outFile is not null)
        {
            File.WriteAllText(outFile, json + "\n");
            int gpus = result.Devices.Count - 1;
            stdout.WriteLine(result.Success
                ? $"attestation OK: the VM and {gpus} GPU{(gpus == 1 ? "" : "s")}, one token: wrote {outFile}"
                : $"wrote {outFile}");
        }
        else
        {
            stdout.WriteLine(json);
        }
        if (!result.Success) stderr.WriteLine("error: " + result.Error);
        return result.Success ? 0 : 1;
    }

    private static void WriteBundle(string path, string bundle, TextWriter stdout)
    {
        File.WriteAllText(path, bundle + "\n");
        stdout.WriteLine($"wrote bundle {path}");
    }

    private static int AttestAllGpus(Attester attester, byte[] nonce, string? outFile, TextWriter stdout, TextWriter stderr)
    {
        int count = attester.GpuCount();
        if (count == 0)
        {
            stderr.WriteLine("error: no GPU to attest");
            return 1;
        }
        var results = Enumerable.Range(0, count).Select(i => attester.AttestGpu(i, nonce)).ToArray();
        string json = JsonOutput.Pretty(System.Text.Encoding.UTF8.GetBytes("[" + string.Join(",", results.Select(r => r.ToJson())) + "]"));
        if (outFile is not null)
        {
            File.WriteAllText(outFile, json + "\n");
            stdout.WriteLine($"wrote {outFile}");
        }
        else
        {
            stdout.WriteLine(json);
        }
        for (int i = 0; i < count; i++)
        {
            if (!results[i].Success) stderr.WriteLine($"error: GPU {i}: {results[i].Error}");
        }
        return results.All(r => r.Success) ? 0 : 1;
    }

    private static byte[] ParseNonce(string? hex)
    {
        if (string.IsNullOrEmpty(hex)) return [];
        try
        {
            byte[] bytes = Convert.FromHexString(hex);
            if (bytes.Length > ReportDataBinding.MaxNonceLength)
                throw new UsageException($"--nonce is {bytes.Length} bytes; at most {ReportDataBinding.MaxNonceLength}");
            return bytes;
        }
        catch (FormatException)
        {
            throw new UsageException($"--nonce '{hex}' is not hex (an even number of 0-9a-f digits)");
        }
    }
}
