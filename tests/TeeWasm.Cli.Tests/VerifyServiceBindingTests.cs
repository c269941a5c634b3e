using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Simulator;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests;

/// <summary>
/// <c>tee-wasm verify</c> on evidence bound by Intel Trust Authority's scheme (report_data = SHA-512(val ‖ iat ‖ runtime
/// data)), made as the Attester makes it with an ITA client, over a simulated SNP report (ITA itself attests TDX only,
/// and a real TDX quote cannot be made over chosen report_data here). The MAA scheme is covered end to end in MaaCommandTests.
/// </summary>
public sealed class VerifyServiceBindingTests : IDisposable
{
    private static readonly string s_sim = Path.Combine(Path.GetTempPath(), "teewasm-tests-simulator");
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private string ItaEvidenceFile(Action<JsonObject>? edit = null)
    {
        using var authority = SimulatorAuthority.LoadOrCreate(s_sim);
        var binding = VmBinding.Ita(SHA256.HashData("guest"u8), [0x04, .. new byte[64]], [0x0a, 0x0b],
            new ItaVerifierNonce(Convert.ToBase64String("ita-nonce-val"u8), Convert.ToBase64String("2026-11-25T10:00:00Z"u8), "c2ln"));
        var collected = new SimulatedSnpEvidenceSource(authority).Attest(binding.ReportData, binding.Nonce, binding.ModuleHash);
        var evidence = JsonNode.Parse(EvidenceDocument.WithBinding(collected.EvidenceJson, binding))!.AsObject();
        edit?.Invoke(evidence["binding"]!.AsObject());
        string path = _tmp.File(Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, new JsonObject { ["success"] = true, ["evidence"] = evidence.ToJsonString() }.ToJsonString());
        return path;
    }

    private static (int Code, string Out) Verify(string file)
    {
        var o = new StringWriter();
        int code = TeeWasmCli.Run(["verify", file, "--trust-simulator", s_sim], o, new StringWriter());
        return (code, o.ToString());
    }

    [Fact]
    public void ItaBoundEvidence_Verifies()
    {
        var r = Verify(ItaEvidenceFile());
        Assert.True(r.Code == 0, r.Out);
        Assert.Contains("report_data matches the binding", r.Out);
    }

    [Fact]
    public void ItaNonceOfAnotherRequest_IsRejected()
    {
        var r = Verify(ItaEvidenceFile(b => b["ita_nonce"]!["val"] = Convert.ToBase64String("another-val"u8)));
        Assert.Equal(1, r.Code);
        Assert.StartsWith("REJECTED: REPORT_DATA differs from the expected value", r.Out);
    }

    [Fact]
    public void ChangedRuntimeDataByte_IsRejected()
    {
        var r = Verify(ItaEvidenceFile(b =>
        {
            string json = Encoding.UTF8.GetString(Convert.FromBase64String(b["runtime_data"]!.GetValue<string>()));
            b["runtime_data"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(json.Replace("{\"", "{ \"")));
        }));
        Assert.Equal(1, r.Code);
        Assert.StartsWith("REJECTED: REPORT_DATA differs from the expected value", r.Out);
    }

    [Fact]
    public void MissingItaNonce_IsRejected()
    {
        var r = Verify(ItaEvidenceFile(b => b.Remove("ita_nonce")));
        Assert.Equal(1, r.Code);
        Assert.StartsWith("REJECTED: evidence binding rejected: binding (ita) lacks ita_nonce {val, iat} (base64)", r.Out);
    }
}
