using System.CommandLine;
using TeeWasm.Cli.CommandLine;
using System.Runtime.CompilerServices;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Audit;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Policy;
using TeeWasm.KeyBroker;

namespace TeeWasm.Cli.Commands;

/// <summary><c>tee-wasm kbs serve|encrypt</c>: the embedded key broker and the encrypted-file helper.</summary>
internal static class KbsCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("kbs", "The embedded key broker (Trustee KBS protocol) and its helpers")
        {
            Serve(stdout, stderr),
            Encrypt(stdout),
        };
        return command;
    }

    private static Command Serve(TextWriter stdout, TextWriter stderr)
    {
        var listen = new Option<string>("--listen")
        {
            Description = "Address to listen on, HOST:PORT or a URL (port 0 picks a free port)",
            DefaultValueFactory = _ => "127.0.0.1:8080",
            HelpName = "HOST:PORT",
        };
        var secrets = new Option<string>("--secrets")
        {
            Description = "Directory of secrets: the file DIR/REPO/TYPE/TAG is the secret REPO/TYPE/TAG (a bare name N is default/secret/N)",
            Required = true,
            HelpName = "DIR",
        }.ExistingDirectory();
        var policy = new Option<string?>("--policy")
        {
            Description = "Policy file: {\"default\":RULE,\"secrets\":{\"repo/type/tag\":RULE}}, RULE = {allow_simulated, allow_debug, platforms, module_hashes, measurements, workload_digests (tee-wasm run --print-workload), attestation: an attestation policy as for run --policy (docs/policy.md)}; a rule with module_hashes or workload_digests never releases to Trustee-format evidence [default: release to any real, non-debug SNP/TDX platform; never to the simulator]",
            HelpName = "FILE",
        }.ExistingFile();
        var simulatorDir = new Option<string?>("--simulator-dir")
        {
            Description = "The simulator's directory, whose root is trusted only when a policy rule allows simulated platforms [default: $XDG_DATA_HOME/tee-wasm/simulator]",
            HelpName = "DIR",
        };
        var auditLog = new Option<string?>("--audit-log") { Description = "Append one JSON line per verify/token/secret event to FILE (never secrets)", HelpName = "FILE" };
        var tdxCollateral = new Option<string?>("--tdx-collateral") { Description = "TDX collateral directory (TCB info, QE identity, CRLs) for the TCB status of TDX quotes", HelpName = "DIR" }.ExistingDirectory();
        var fetch = new FetchOptions();
        var workloads = new Option<string[]>("--workloads")
        {
            Description = "Workload documents (files, or directories of *.json, from tee-wasm run --print-workload): a launch refused by a rule's workload_digests is told how it differs from the closest allowed one (repeatable)",
            HelpName = "PATH",
        };
        var command = new Command("serve", "Run the key broker until Ctrl-C: verifies TeeWasm evidence or Trustee KBS 0.4.0 snp/tdx evidence with TeeWasm's verifiers, releases secrets per policy, encrypted to the TEE's key")
        {
            listen, secrets, policy, simulatorDir, auditLog, tdxCollateral, workloads,
        };
        fetch.AddTo(command);
        command.SetAction(parse =>
        {
            if (!RuntimeFeature.IsDynamicCodeSupported)
            {
                // The native build (Native AOT): the broker's ASP.NET endpoints still bind their handlers at run time.
                stderr.WriteLine("error: kbs serve is not in the native build yet; run it with the .NET tool (dotnet tool install tee-wasm) or a `dotnet build` of TeeWasm");
                return ExitCodes.Failure;
            }
            SecretPolicy rules;
            try
            {
                rules = parse.GetValue(policy) is { } p ? SecretPolicy.Load(p) : new SecretPolicy { Default = new SecretRule() };
            }
            catch (PolicyException e)
            {
                throw new UsageException("--policy: " + e.Message, e);
            }
            using var audit = parse.GetValue(auditLog) is { } a ? new JsonLinesAuditLog(a) : null;
            var server = KeyBrokerServer.StartAsync(new KeyBrokerOptions
            {
                Listen = parse.GetValue(listen)!,
                SecretsDirectory = parse.GetValue(secrets)!,
                Policy = rules,
                SimulatorDirectory = parse.GetValue(simulatorDir),
                TdxCollateralDirectory = parse.GetValue(tdxCollateral),
                CollateralFetcher = fetch.Create(parse, stderr),
                AuditLog = (IAttestationAuditLog?)audit ?? NullAuditLog.Instance,
                Workloads = LoadWorkloads(parse.GetValue(workloads) ?? []),
            }).GetAwaiter().GetResult();
            stdout.WriteLine($"kbs: listening on {server.Address.GetLeftPart(UriPartial.Authority)} (simulated platforms: {(server.AcceptsSimulated ? "accepted where the policy allows" : "refused")})");
            stdout.Flush();
            server.WaitForShutdownAsync().GetAwaiter().GetResult();
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return 0;
        });
        return command;
    }

    private static Command Encrypt(TextWriter stdout)
    {
        var keyFile = new Option<string>("--key-file") { Description = "The 32-byte AES-256 key (raw, 64 hex digits or base64); put the same file in the broker's secrets directory", Required = true, HelpName = "K" }.ExistingFile();
        var input = new Option<string>("--in") { Description = "File to encrypt", Required = true, HelpName = "F" }.ExistingFile();
        var output = new Option<string>("--out") { Description = "Encrypted file: 12-byte nonce || AES-256-GCM ciphertext || 16-byte tag", Required = true, HelpName = "F.enc" };
        var command = new Command("encrypt", "Encrypt a file for a guest that gets its key from the key broker (AES-256-GCM: nonce || ciphertext || tag)")
        {
            keyFile, input, output,
        };
        command.SetAction(parse =>
        {
            byte[] key;
            try
            {
                key = SecretFile.ReadKeyFile(parse.GetValue(keyFile)!);
            }
            catch (AttestationException e)
            {
                throw new UsageException("--key-file: " + e.Message, e);
            }
            byte[] plain = File.ReadAllBytes(parse.GetValue(input)!);
            File.WriteAllBytes(parse.GetValue(output)!, SecretFile.Encrypt(key, plain));
            stdout.WriteLine($"wrote {parse.GetValue(output)} ({plain.Length} bytes encrypted, {SecretFile.NonceSize + plain.Length + SecretFile.TagSize} bytes written)");
            return 0;
        });
        return command;
    }

    /// <summary>The workload documents in <paramref name="paths"/> (files, or every *.json of a directory).</summary>
    private static List<WorkloadIdentity> LoadWorkloads(string[] paths)
    {
        var documents = new List<WorkloadIdentity>();
        foreach (string path in paths)
        {
            string[] files = Directory.Exists(path) ? [.. Directory.GetFiles(path, "*.json").Order(StringComparer.Ordinal)]
                : File.Exists(path) ? [path]
                : throw new UsageException($"--workloads: '{path}' not found");
            foreach (string file in files)
            {
                try
                {
                    documents.Add(WorkloadDocument.Parse(File.ReadAllText(file)));
                }
                catch (AttestationException) when (Directory.Exists(path))
                {
                    // A directory may hold other JSON: only its workload documents count.
                }
                catch (AttestationException e)
                {
                    throw new UsageException($"--workloads {file}: {e.Message}");
                }
            }
        }
        return documents;
    }
}
