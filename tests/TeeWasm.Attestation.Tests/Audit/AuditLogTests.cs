using System.Text.Json;
using TeeWasm.Attestation.Audit;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Audit;

public sealed class AuditLogTests
{
    private static JsonElement[] ReadLines(string path) =>
        File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();

    [Fact]
    public void Attester_writes_one_line_per_event_without_the_token()
    {
        using var dir = new TempDir();
        string path = dir.File("audit.jsonl");
        string token;
        using (var log = new JsonLinesAuditLog(path))
        using (var attester = new Attester(TestSupport.Simulate() with { AuditLog = log }))
        {
            attester.ModuleHash = Attester.HashModule("module"u8);
            var result = attester.AttestVm("n1"u8);
            Assert.True(result.Success, result.Error);
            token = result.Token!;
            Assert.True(attester.VerifyToken(token).Valid);
            Assert.False(attester.VerifyToken(token[..^4] + "AAAA").Valid);
            attester.AttestVm("n1"u8); // cached: no new attestation event
        }
        var lines = ReadLines(path);
        Assert.Equal(["detect", "attest", "token_issued", "token_verified", "token_verified"],
            lines.Select(l => l.GetProperty("event").GetString()));
        string module = Convert.ToHexStringLower(Attester.HashModule("module"u8));
        Assert.All(lines, l =>
        {
            Assert.Equal(module, l.GetProperty("module").GetString());
            Assert.True(DateTimeOffset.TryParse(l.GetProperty("time").GetString(), out _));
            Assert.True(l.TryGetProperty("verdict", out _));
            Assert.True(l.TryGetProperty("reason", out _));
            Assert.True(l.TryGetProperty("platform", out _));
        });
        Assert.Equal("AMD SEV-SNP", lines[1].GetProperty("platform").GetString());
        Assert.True(lines[1].GetProperty("simulated").GetBoolean());
        Assert.Equal(AuditEvent.Fingerprint(token), lines[2].GetProperty("token_sha256").GetString());
        Assert.Equal("ok", lines[3].GetProperty("verdict").GetString());
        Assert.Equal("failed", lines[4].GetProperty("verdict").GetString());
        Assert.Contains("signature", lines[4].GetProperty("reason").GetString());
        string text = File.ReadAllText(path);
        Assert.DoesNotContain(token, text);
        Assert.DoesNotContain(token.Split('.')[1], text); // not even the payload
    }

    [Fact]
    public void Failures_are_logged_with_their_reason()
    {
        using var dir = new TempDir();
        string path = dir.File("audit.jsonl");
        using (var log = new JsonLinesAuditLog(path))
        using (var attester = new Attester(new AttesterOptions { Mode = AttestationMode.None, AuditLog = log }))
        {
            Assert.False(attester.AttestVm().Success);
        }
        var lines = ReadLines(path);
        Assert.Equal("none", lines[0].GetProperty("verdict").GetString());
        Assert.Equal("attest", lines[1].GetProperty("event").GetString());
        Assert.Equal("failed", lines[1].GetProperty("verdict").GetString());
        Assert.Equal(AttestationResult.NoTeeError, lines[1].GetProperty("reason").GetString());
    }

    [Fact]
    public void Log_is_append_only_and_flushed_per_event()
    {
        using var dir = new TempDir();
        string path = dir.File("a.jsonl");
        File.WriteAllText(path, "{\"earlier\":true}\n");
        using var log = new JsonLinesAuditLog(path);
        log.Write(new AuditEvent { Time = DateTimeOffset.UnixEpoch, Event = AuditEvents.Attest, Verdict = "ok" });
        // Readable by another reader while still open: the line is already on disk.
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("{\"earlier\":true}", lines[0]);
        Assert.Equal("{\"time\":\"1970-01-01T00:00:00.000Z\",\"event\":\"attest\",\"module\":null,\"platform\":null,\"verdict\":\"ok\",\"reason\":null}", lines[1]);
    }

    [Fact]
    public void Unwritable_path_is_a_clear_error()
    {
        var e = Assert.Throws<AttestationException>(() => new JsonLinesAuditLog("/proc/no-such-dir/audit.jsonl"));
        Assert.Contains("audit log", e.Message);
    }
}
