using System.Text.Json;
using BenchmarkDotNet.Attributes;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Services.Kbs;
using TeeWasm.KeyBroker;

namespace TeeWasm.Benchmarks;

/// <summary>
/// <c>get_secret</c> against the embedded key broker on loopback, simulated SEV-SNP: a first secret (a new session:
/// auth, a fresh TEE key, a report over the session's binding, the broker's appraisal, the JWE) with TeeWasm and with
/// Trustee-format evidence, with the default EC P-256 key and with RSA-2048, and a further secret in an attested
/// session (resource + JWE only).
/// </summary>
[MemoryDiagnoser]
public class KeyBrokerBenchmarks
{
    private string _dir = null!;
    private KeyBrokerServer _broker = null!;
    private Attester _attester = null!;
    private KbsClient _warm = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("teewasm-kbs-bench-").FullName;
        string secrets = Path.Combine(_dir, "default", "secret");
        Directory.CreateDirectory(secrets);
        File.WriteAllBytes(Path.Combine(secrets, "demo"), new byte[32]);
        _broker = KeyBrokerServer.StartAsync(new KeyBrokerOptions
        {
            Listen = "127.0.0.1:0",
            SecretsDirectory = _dir,
            Policy = JsonSerializer.Deserialize<SecretPolicy>("""{"default":{"allow_simulated":true}}""")!,
        }).GetAwaiter().GetResult();
        _attester = new Attester(new AttesterOptions { Mode = AttestationMode.Simulate }) { ModuleHash = Attester.HashModule("bench"u8) };
        _warm = Client(KbsEvidenceFormat.TeeWasm);
        Require(_warm.GetSecret("demo"));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _warm.Dispose();
        _attester.Dispose();
        _broker.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A new session with TeeWasm evidence (module-bound), then the secret.</summary>
    [Benchmark]
    public void FirstSecret_TeeWasmEvidence()
    {
        using var client = Client(KbsEvidenceFormat.TeeWasm);
        Require(client.GetSecret("demo"));
    }

    /// <summary>The same with an RSA-2048 TEE key (<c>--kbs-key rsa-2048</c>).</summary>
    [Benchmark]
    public void FirstSecret_TeeWasmEvidence_Rsa2048()
    {
        using var client = Client(KbsEvidenceFormat.TeeWasm, TeeKeyKind.Rsa2048);
        Require(client.GetSecret("demo"));
    }

    /// <summary>A new session with Trustee 0.4.0 evidence (sev-crate report JSON, JCS runtime data), then the secret.</summary>
    [Benchmark]
    public void FirstSecret_TrusteeEvidence()
    {
        using var client = Client(KbsEvidenceFormat.Trustee);
        Require(client.GetSecret("demo"));
    }

    /// <summary>Another secret in an attested session.</summary>
    [Benchmark]
    public void Secret_AttestedSession() => Require(_warm.GetSecret("demo"));

    private KbsClient Client(KbsEvidenceFormat format, TeeKeyKind key = TeeKeyKind.EcP256) =>
        new(new KbsClientOptions { Endpoint = _broker.Address, Evidence = format, TeeKey = key }, _attester);

    private static void Require(SecretResult result)
    {
        if (!result.Success) throw new InvalidOperationException($"secret refused: {result.Error}");
    }
}
