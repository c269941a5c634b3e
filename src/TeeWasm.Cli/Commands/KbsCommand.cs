using System.CommandLine;
using TeeWasm.Cli.CommandLine;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using TeeWasm.Attestation.Audit;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Inputs;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Services.Kbs;
using TeeWasm.KeyBroker;

namespace TeeWasm.Cli.Commands;

/// <summary><c>tee-wasm kbs serve|get|keygen|encrypt</c>: the embedded key broker, its client, and the data-key helpers.</summary>
internal static class KbsCommand
{
    public static Command Create(CliOptions shared, TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("kbs", "The embedded key broker (Trustee KBS protocol), a client for it, and the data-key helpers")
        {
            Serve(stdout, stderr),
            Get(shared, stdout, stderr),
            Keygen(stdout),
            Encrypt(stdout),
        };
        return command;
    }

    private static Command Serve(TextWriter stdout, TextWriter stderr)
    {
        var listen = new Option<string>("--listen")
        {
            Description = "Address to listen on, HOST:PORT or a URL (port 0 picks a free port); plain HTTP beyond loopback needs --insecure-http, https:// needs --tls-cert and --tls-key",
            DefaultValueFactory = _ => "127.0.0.1:8080",
            HelpName = "HOST:PORT",
        };
        var insecureHttp = new Option<bool>("--insecure-http")
        {
            Description = "Allow plain HTTP on an address other than loopback (refused otherwise): session cookies and tokens then cross the network in clear; secrets stay encrypted to the TEE key",
        };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "PEM certificate (chain, leaf first) for an https:// --listen address", HelpName = "FILE" };
        var tlsKey = new Option<string?>("--tls-key") { Description = "PEM private key of --tls-cert", HelpName = "FILE" };
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
        var command = new Command("serve", "Run the key broker until Ctrl-C: verifies TeeWasm evidence of any supported platform or Trustee KBS 0.4.0 snp/tdx/az-*-vtpm evidence with TeeWasm's verifiers, releases secrets per policy, encrypted to the TEE's key; GET /health and /metrics (Prometheus); one log line per request on stderr")
        {
            listen, insecureHttp, tlsCert, tlsKey, secrets, policy, simulatorDir, auditLog, tdxCollateral, workloads,
        };
        fetch.AddTo(command);
        command.SetAction(parse =>
        {
            SecretPolicy rules;
            try
            {
                rules = parse.GetValue(policy) is { } p ? SecretPolicy.Load(p) : new SecretPolicy { Default = new SecretRule() };
            }
            catch (PolicyException e)
            {
                throw new UsageException("--policy: " + e.Message, e);
            }
            string address = parse.GetValue(listen)!;
            bool https = address.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
            if (!https && !parse.GetValue(insecureHttp) && !KeyBrokerServer.IsLoopback(address))
                throw new UsageException($"--listen {address} {KeyBrokerServer.InsecureHttpRefused}");
            using var certificate = TlsCertificate(https, parse.GetValue(tlsCert), parse.GetValue(tlsKey));
            using var audit = parse.GetValue(auditLog) is { } a ? new JsonLinesAuditLog(a) : null;
            using var loggers = LoggerFactory.Create(b => b
                .AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
                    o.ColorBehavior = LoggerColorBehavior.Disabled;
                })
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
            var server = KeyBrokerServer.StartAsync(new KeyBrokerOptions
            {
                Listen = address,
                AllowInsecureHttp = parse.GetValue(insecureHttp),
                TlsCertificate = certificate,
                SecretsDirectory = parse.GetValue(secrets)!,
                Policy = rules,
                SimulatorDirectory = parse.GetValue(simulatorDir),
                TdxCollateralDirectory = parse.GetValue(tdxCollateral),
                CollateralFetcher = fetch.Create(parse, stderr),
                AuditLog = (IAttestationAuditLog?)audit ?? NullAuditLog.Instance,
                Logger = loggers.CreateLogger("kbs"),
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

    private static X509Certificate2? TlsCertificate(bool https, string? certFile, string? keyFile)
    {
        if (!https)
            return certFile is null && keyFile is null ? null : throw new UsageException("--tls-cert and --tls-key apply to an https:// --listen address only");
        if (certFile is null || keyFile is null)
            throw new UsageException("an https:// --listen address needs --tls-cert FILE and --tls-key FILE (PEM)");
        try
        {
            return X509Certificate2.CreateFromPemFile(certFile, keyFile);
        }
        catch (Exception e) when (e is CryptographicException or IOException or ArgumentException)
        {
            throw new UsageException($"--tls-cert {certFile} --tls-key {keyFile}: not a PEM certificate and its private key: {e.Message}");
        }
    }

    private static Command Get(CliOptions shared, TextWriter stdout, TextWriter stderr)
    {
        var name = new Argument<string>("NAME") { Description = "The secret: REPOSITORY/TYPE/TAG, or a bare TAG for default/secret/TAG" };
        var url = new Option<string>("--url")
        {
            Description = "The key broker: `tee-wasm kbs serve` or a Trustee KBS (with --kbs-evidence trustee)",
            Required = true,
            HelpName = "URL",
        };
        var output = new Option<string?>("--out") { Description = "Write the secret's bytes to FILE (readable by the owner only; its directory made) instead of printing them in base64", HelpName = "FILE" };
        var module = new Option<string?>("--module") { Description = "Bind this module's SHA-256 into the evidence as `run` binds its guest's, for module_hashes rules [default: 32 zero bytes]", HelpName = "FILE" }.ExistingFile();
        var auditLog = new Option<string?>("--audit-log") { Description = "Append one JSON line per attestation event to FILE (never secrets or whole tokens)", HelpName = "FILE" }.WritableFile();
        var client = new KbsClientCliOptions();
        var command = new Command("get", "Get a secret from a key broker, attesting this host as `run --kbs` does (the same evidence, TEE key and session); prints it in base64 or writes it with --out; exit 1 when the broker refuses")
        {
            name, url, output, module, client.Evidence, client.Key, auditLog,
        };
        shared.AddTo(command);
        command.SetAction(parse =>
        {
            string secretName = parse.GetValue(name)!;
            if (KbsProtocol.ResourcePath(secretName) is null)
                throw new UsageException($"'{secretName}' is not a secret name: REPOSITORY/TYPE/TAG or a bare TAG (letters, digits, . _ -)");
            var options = client.ToOptions(parse, CliOptions.Absolute(parse.GetValue(url)!, "--url"), shared.ToServiceCallOptions(parse));
            byte[]? moduleHash = parse.GetValue(module) is { } modulePath ? Attester.HashModule(File.ReadAllBytes(modulePath)) : null;
            using var audit = parse.GetValue(auditLog) is { } auditPath ? new JsonLinesAuditLog(auditPath) : null;
            using var attester = new Attester(shared.ToAttesterOptions(parse) with { AuditLog = (IAttestationAuditLog?)audit ?? NullAuditLog.Instance });
            if (moduleHash is not null) attester.ModuleHash = moduleHash;
            using var broker = new KbsClient(options, attester);
            var result = broker.GetSecret(secretName);
            if (!result.Success || result.Secret is not { } secret)
            {
                stderr.WriteLine("error: " + result.Error);
                return ExitCodes.Failure;
            }
            try
            {
                if (parse.GetValue(output) is { } path)
                {
                    SecretFile.WriteOwnerOnly(path, secret);
                    stdout.WriteLine($"wrote {path} ({secret.Length} bytes: secret '{KbsProtocol.ResourcePath(secretName)}' from {broker.Service})");
                }
                else
                {
                    stdout.WriteLine(Convert.ToBase64String(secret));
                }
            }
            finally
            {
                CryptographicOperations.ZeroMemory(secret);
            }
            return 0;
        });
        return command;
    }

    private static Command Keygen(TextWriter stdout)
    {
        var file = new Argument<string>("FILE") { Description = "The key file to make, e.g. SECRETS/default/secret/data-key (its directory is made)" };
        var force = new Option<bool>("--force") { Description = "Replace FILE when it exists" };
        var command = new Command("keygen", "Make a data key: 32 random bytes, raw (the format the broker serves and the guest decrypts with), readable by the owner only")
        {
            file, force,
        };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            if (File.Exists(path) && !parse.GetValue(force))
                throw new UsageException($"'{path}' exists; a new key would make what it encrypted unreadable (--force replaces it)");
            SecretFile.CreateKeyFile(path, overwrite: parse.GetValue(force));
            stdout.WriteLine($"wrote {path} ({SecretFile.KeySize}-byte AES-256 data key, raw)");
            return 0;
        });
        return command;
    }

    private static Command Encrypt(TextWriter stdout)
    {
        var keyFile = new Option<string>("--key-file") { Description = "The data key: exactly 32 raw bytes (`tee-wasm kbs keygen K` makes one); put the same file in the broker's secrets directory", Required = true, HelpName = "K" }.ExistingFile();
        var input = new Option<string>("--in") { Description = "File to encrypt", Required = true, HelpName = "F" }.ExistingFile();
        var output = new Option<string>("--out") { Description = "Encrypted file (its directory is made): 12-byte nonce || AES-256-GCM ciphertext || 16-byte tag", Required = true, HelpName = "F.enc" };
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
            byte[] plain = BoundedRead.File(parse.GetValue(input)!, InputLimits.EncryptInput, "--in file");
            string path = parse.GetValue(output)!;
            if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
            File.WriteAllBytes(path, SecretFile.Encrypt(key, plain));
            CryptographicOperations.ZeroMemory(key);
            stdout.WriteLine($"wrote {path} ({plain.Length} bytes encrypted, {SecretFile.NonceSize + plain.Length + SecretFile.TagSize} bytes written)");
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
