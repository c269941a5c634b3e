using System.Security.Cryptography;
using System.Text;
using CsCheck;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Tests.Evidence;

public sealed class WorkloadIdentityTests
{
    private static readonly byte[] s_module = SHA256.HashData("trainer.wasm"u8);

    internal static WorkloadIdentity Trainer(string epochs = "10", params string[] extraArgs) => new()
    {
        ModuleSha256 = s_module,
        Arguments = ["trainer.wasm", "--data-key", "data-key", .. extraArgs],
        Environment = [new("EPOCHS", epochs), new("LR", "0.1")],
        Directories = [new WorkloadDirectory("data", DirectoryAccess.ReadOnly), new WorkloadDirectory("out", DirectoryAccess.ReadWrite)],
        Host = new WorkloadHost { Attestation = "simulate", Gpu = "cpu", KeyBroker = "http://127.0.0.1:8080/", KeyBrokerEvidence = "teewasm" },
        RuntimeVersion = "0.1.0+test",
    };

    [Fact]
    public void Digest_IsSha256OfTheRfc8785CanonicalDocument()
    {
        var w = new WorkloadIdentity
        {
            ModuleSha256 = s_module, Arguments = ["g.wasm"], Environment = [new("A", "é\n")],
            Host = new WorkloadHost { Attestation = "none", Gpu = "auto" }, RuntimeVersion = "1",
        };
        // Written by hand: members sorted, no whitespace, strings escaped minimally (RFC 8785).
        string canonical = "{\"format\":\"tee-wasm-workload/1\",\"host\":{\"attestation\":\"none\",\"gpu\":\"auto\",\"key_broker\":null,"
            + "\"key_broker_evidence\":null,\"policy_sha256\":null,\"require_attestation\":false},\"module_sha256\":\"" + Convert.ToHexStringLower(s_module)
            + "\",\"runtime\":{\"name\":\"tee-wasm\",\"version\":\"1\"},\"wasi\":{\"args\":[\"g.wasm\"],\"env\":[{\"name\":\"A\",\"value\":\"é\\n\"}],\"preopens\":[]}}";
        Assert.Equal(canonical, Encoding.UTF8.GetString(WorkloadDocument.Canonical(w)));
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)), w.Digest);
    }

    [Fact]
    public void ChangingOneEnvironmentVariableOrArgument_ChangesTheDigest()
    {
        WorkloadIdentity a = Trainer();
        Assert.NotEqual(a.DigestHex, Trainer("20").DigestHex);
        Assert.NotEqual(a.DigestHex, Trainer("10", "--fast").DigestHex);
        Assert.NotEqual(a.DigestHex, (a with { Directories = [new WorkloadDirectory("data", DirectoryAccess.ReadWrite), a.Directories[1]] }).DigestHex);
        Assert.NotEqual(a.DigestHex, (a with { Host = a.Host with { Gpu = "webgpu" } }).DigestHex);
        Assert.Equal(a.DigestHex, Trainer().DigestHex);
    }

    [Fact]
    public void ThePolicyDigest_IgnoresTheFilesLayout_ButNotItsRules()
    {
        byte[] a = Attestation.Policy.AttestationPolicy.Parse("{ \"allow_debug\": false, // comment\n \"snp\": { \"max_vmpl\": 0 } }").Sha256();
        Assert.Equal(a, Attestation.Policy.AttestationPolicy.Parse("{\"snp\":{\"max_vmpl\":0},\"allow_debug\":false}").Sha256());
        Assert.NotEqual(a, Attestation.Policy.AttestationPolicy.Parse("{\"snp\":{\"max_vmpl\":1}}").Sha256());
    }

    [Fact]
    public void DifferencesFrom_NamesEachChange()
    {
        WorkloadIdentity allowed = Trainer();
        Assert.Empty(Trainer().DifferencesFrom(allowed));
        Assert.Equal(["environment EPOCHS: '10' → '20'"], Trainer("20").DifferencesFrom(allowed));
        Assert.Equal(["argument 3 '--fast' added"], Trainer("10", "--fast").DifferencesFrom(allowed));
        var other = allowed with
        {
            Directories = [new WorkloadDirectory("data", DirectoryAccess.ReadWrite)],
            Environment = [new("EPOCHS", "10"), new("LR", "0.1"), new("DEBUG", "1")],
            Host = allowed.Host with { KeyBroker = null },
        };
        Assert.Equal(
            ["environment DEBUG='1' added", "directory 'data': read-only → read-write", "directory 'out' removed", "key broker: http://127.0.0.1:8080/ → none"],
            other.DifferencesFrom(allowed));
    }

    [Fact]
    public void TheDocumentRoundTrips_ForAnyLaunch() =>
        Gen.Select(Gen.String[0, 40].Array[0, 5], Gen.Select(Gen.String[1, 10], Gen.String[0, 20]).Array[0, 5], Gen.Bool, Gen.String[0, 30])
            .Sample((args, env, ro, version) =>
            {
                var w = new WorkloadIdentity
                {
                    ModuleSha256 = s_module, Arguments = args, Environment = [.. env.Select(e => new KeyValuePair<string, string>(e.Item1, e.Item2))],
                    Directories = [new WorkloadDirectory("d", ro ? DirectoryAccess.ReadOnly : DirectoryAccess.ReadWrite)],
                    Host = new WorkloadHost { Attestation = "auto", Gpu = "none", PolicySha256 = s_module }, RuntimeVersion = version,
                };
                WorkloadIdentity back = WorkloadDocument.Parse(WorkloadDocument.ToJson(w, indented: true));
                Assert.Equal(w.DigestHex, back.DigestHex);
                Assert.Empty(back.DifferencesFrom(w));
            });

    [Theory]
    [InlineData("format", "\"x\"", "workload document format 'x' is not tee-wasm-workload/1")]
    [InlineData("module_sha256", "\"00\"", "workload document module_sha256 is not 32 bytes")]
    [InlineData("module_sha256", "\"zz\"", "workload document module_sha256 is not hex")]
    [InlineData("wasi", "{}", "workload document wasi has no \"args\" array")]
    [InlineData("host", "null", "workload document has no \"host\" object")]
    public void Parse_RejectsMalformedDocuments(string member, string value, string reason)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(WorkloadDocument.ToJson(Trainer()))!;
        node[member] = System.Text.Json.Nodes.JsonNode.Parse(value);
        Assert.Equal(reason, Assert.Throws<AttestationException>(() => WorkloadDocument.Parse(node.ToJsonString())).Message);
    }

    [Fact]
    public void Parse_RejectsAnUnknownAccess()
    {
        string json = WorkloadDocument.ToJson(Trainer()).Replace("\"read-only\"", "\"execute\"");
        Assert.Equal("workload document preopen access 'execute' is neither read-write nor read-only",
            Assert.Throws<AttestationException>(() => WorkloadDocument.Parse(json)).Message);
    }
}
