using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Services.Kbs;
using Xunit.Abstractions;

namespace TeeWasm.KeyBroker.Tests;

/// <summary>
/// Randomized requests on every route (issue 12, "keep it fixed"; CsCheck, time-bounded; a failure prints the seed to
/// replay: <c>CsCheck_Seed=… dotnet test --filter …</c>): random methods, paths, headers, cookies and bodies — random
/// bytes, invalid UTF-8, random JSON in the protocol's vocabulary, a valid Request or Attestation with a random change —
/// never get a 5xx, always get a KBS error body from the broker's own refusals, and release a secret only to the session
/// that attested; a change to a signed member of an Attestation is never accepted.
/// </summary>
public sealed class KeyBrokerServerRandomTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Seconds each property runs (CsCheck_Time overrides).</summary>
    private const int Seconds = 4;

    private const string ErrorType = "https://github.com/confidential-containers/kbs/errors/";
    private static readonly string[] s_keys =
    [
        "version", "tee", "extra-params", "tee-pubkey", "tee-evidence", "runtime-data", "nonce", "kty", "crv", "x", "y", "n", "e", "alg",
        "tee_type", "report", "certificates", "binding", "scheme", "module_sha256", "host_key", "runtime_data", "primary_evidence",
        "additional_evidence", "init-data", "quote", "cc_eventlog", "attestation_report", "cert_chain", "tpm_quote", "hcl_report", "vcek",
        "supported-hash-algorithms", "",
    ];
    private static readonly string[] s_words =
    [
        "0.1.0", "0.4.0", "0.", "1.0", "snp", "tdx", "az-snp-vtpm", "az-tdx-vtpm", "amd-sev-snp", "intel-tdx", "EC", "RSA", "P-256", "P-384", "P-521",
        "ECDH-ES+A256KW", "RSA-OAEP-256", "RSA-OAEP", "RSA1_5", "AMD_SEV_SNP", "TDX", "NVIDIA_GPU", "AMD SEV-SNP", "teewasm", "maa", "ita", "",
        "AAAA", "AQAB", "____", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "\u0000", "\ud800", "é",
    ];

    private TestBroker _broker = null!;
    private HttpClient _http = null!;
    private Attester _guest = null!;
    private string _cookie = null!;
    private string _attestation = null!;
    private TeeKeyPair _key = null!;

    public async Task InitializeAsync()
    {
        _broker = await TestBroker.StartAsync();
        _http = _broker.Http();
        _guest = TestBroker.Guest();
        string nonce;
        (nonce, _cookie) = await _broker.AuthAsync(_http);
        (_attestation, _key) = TestBroker.Attestation(_guest, nonce);
    }

    public async Task DisposeAsync()
    {
        _key.Dispose();
        _guest.Dispose();
        _http.Dispose();
        await _broker.DisposeAsync();
    }

    /// <summary>One random request.</summary>
    public sealed record RandomRequest(string Method, string Path, IReadOnlyList<(string Name, string Value)> Headers, byte[]? Body, string? ContentType)
    {
        public override string ToString() =>
            $"{Method} {Path} headers [{string.Join("; ", Headers.Select(h => $"{h.Name}: {Shorten(h.Value)}"))}] content-type {ContentType ?? "-"} "
            + $"body {(Body is null ? "none" : $"{Body.Length} bytes: {Shorten(Encoding.UTF8.GetString(Body))} (hex {Convert.ToHexString(Body.AsSpan(0, Math.Min(Body.Length, 48)))})")}";

        private static string Shorten(string s) => s.Length <= 200 ? s : s[..200] + "…";
    }

    [Fact]
    public async Task Random_requests_on_every_route_never_fail_the_broker_and_release_only_to_the_attested_session()
    {
        long count = 0;
        await Requests().SampleAsync(async request =>
        {
            Interlocked.Increment(ref count);
            using var response = await _http.SendAsync(ToMessage(request));
            string body = await response.Content.ReadAsStringAsync();
            int status = (int)response.StatusCode;
            Assert.True(status < 500, $"HTTP {status}: {body}");
            if (status is 400 or 401 or 403 or 413 && body.Length > 0 || response.Content.Headers.ContentType?.MediaType == "application/json" && status >= 400)
                AssertKbsError(body);
            if (status == 200 && request.Path.StartsWith(KbsProtocol.ResourcePrefix, StringComparison.Ordinal))
                Assert.Contains(request.Headers, h => h.Name == "Cookie" && h.Value == _cookie); // only the session that attested
        }, writeLine: output.WriteLine, time: Seconds, print: r => r.ToString());
        output.WriteLine($"{count} random requests in {Seconds} s");

        // Still serving: a guest attests and gets its secret.
        using var guest = TestBroker.Guest();
        using var client = _broker.Client(guest);
        var result = client.GetSecret("demo");
        Assert.True(result.Success, result.Error);
    }

    [Fact]
    public async Task A_change_to_a_signed_member_of_an_attestation_is_never_accepted()
    {
        long count = 0, accepted = 0;
        await Gen.Select(Gen.OneOf(Signed.Concat(Unsigned).ToArray()), Gen.Int[0, int.MaxValue]).SampleAsync(async (target, choice) =>
        {
            Interlocked.Increment(ref count);
            string body = Change(_attestation, target, choice);
            using var response = await _http.SendAsync(TestBroker.Request(HttpMethod.Post, KbsProtocol.AttestPath, _cookie, new StringContent(body)));
            int status = (int)response.StatusCode;
            Assert.True(status < 500, $"HTTP {status}");
            if (Signed.Contains(target))
            {
                Assert.True(status is 400 or 401, $"a change to {target} was answered HTTP {status}");
                AssertKbsError(await response.Content.ReadAsStringAsync());
            }
            else if (status == 200)
            {
                Interlocked.Increment(ref accepted);
            }
        }, writeLine: output.WriteLine, time: Seconds, print: t => $"{t.Item1} (choice {t.Item2})");
        output.WriteLine($"{count} changed attestations in {Seconds} s; {accepted} changes to unsigned members accepted");
    }

    // ---- signed and unsigned members of a TeeWasm Attestation, and how one is changed ----

    private static readonly string[] Signed =
    [
        "report", "certificates[0]", "binding.module_sha256", "binding.host_key", "binding.nonce", "binding.scheme", "tee-pubkey.x", "tee-pubkey.y", "tee-pubkey.crv",
    ];

    // Members the broker does not rely on: the decoded fields, the source, the tee_type (the report says what it is).
    private static readonly string[] Unsigned = ["fields.measurement", "source", "tee_type"];

    private static string Change(string attestation, string target, int choice)
    {
        var root = JsonNode.Parse(attestation)!.AsObject();
        var evidence = root["tee-evidence"]!.AsObject();
        switch (target)
        {
            case "report":
                evidence["report"] = Convert.ToBase64String(FlipBit(Convert.FromBase64String((string)evidence["report"]!), choice));
                break;
            case "certificates[0]":
                var pem = (string)evidence["certificates"]![0]!;
                byte[] der = PemEncoding.TryFind(pem, out var fields) ? Convert.FromBase64String(pem[fields.Base64Data]) : throw new InvalidOperationException("no PEM");
                evidence["certificates"]![0] = new string(PemEncoding.Write("CERTIFICATE", FlipBit(der, choice)));
                break;
            case "binding.scheme":
                evidence["binding"]!["scheme"] = ((string)evidence["binding"]!["scheme"]!).Replace("SHA-512", "SHA-384");
                break;
            case var b when b.StartsWith("binding.", StringComparison.Ordinal):
                string member = b["binding.".Length..];
                evidence["binding"]![member] = Convert.ToHexStringLower(FlipBit(Convert.FromHexString((string)evidence["binding"]![member]!), choice));
                break;
            case "tee-pubkey.crv":
                root["tee-pubkey"]!["crv"] = "P-384";
                break;
            case var k when k.StartsWith("tee-pubkey.", StringComparison.Ordinal):
                string coordinate = k["tee-pubkey.".Length..];
                byte[] value = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes((string)root["tee-pubkey"]![coordinate]!);
                root["tee-pubkey"]![coordinate] = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(FlipBit(value, choice));
                break;
            case "fields.measurement":
                evidence["fields"]!["measurement"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(48));
                break;
            case "source":
                evidence["source"] = "configfs-tsm";
                break;
            case "tee_type":
                evidence["tee_type"] = "TDX";
                break;
        }
        return root.ToJsonString();
    }

    private static byte[] FlipBit(byte[] data, int choice)
    {
        byte[] copy = [.. data];
        int bit = choice % (copy.Length * 8);
        copy[bit / 8] ^= (byte)(1 << (bit % 8));
        return copy;
    }

    // ---- the generators ----

    private Gen<RandomRequest> Requests()
    {
        var method = Gen.OneOf("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");
        var segment = Gen.Char["abcXYZ019._-~%:@!$&'()*+,;="].Array[0, 12].Select(c => new string(c));
        var escaped = Gen.Byte.Array[1, 6].Select(b => string.Concat(b.Select(x => "%" + x.ToString("X2", CultureInfo.InvariantCulture))));
        var part = Gen.Frequency((3, segment), (1, escaped), (1, Gen.OneOf("..", ".", "", "default", "secret", "demo")));
        var path = Gen.Frequency(
            (4, Gen.Const(KbsProtocol.AuthPath)),
            (4, Gen.Const(KbsProtocol.AttestPath)),
            (3, Gen.Const(KbsProtocol.ResourcePrefix + "default/secret/demo")),
            (3, part.Array[1, 5].Select(p => KbsProtocol.ResourcePrefix + string.Join('/', p))),
            (1, Gen.OneOf(KeyBrokerServer.HealthPath, KeyBrokerServer.MetricsPath, "/", "/kbs", "/kbs/v0/")),
            (2, part.Array[1, 6].Select(p => "/" + string.Join('/', p))));
        var printable = Gen.Char[' ', '~'].Array[0, 120].Select(c => new string(c).Trim());
        var cookie = Gen.Frequency(
            (3, Gen.Const(_cookie)),
            (2, Gen.Int[0, int.MaxValue].Select(i => Mutate(_cookie, i))),
            (2, printable.Select(v => "kbs-session-id=" + v.Replace(";", "").Replace(",", ""))),
            (1, printable));
        var header = Gen.Frequency(
            (4, cookie.Select(v => ("Cookie", v))),
            (2, Gen.Select(Gen.OneOf("Accept", "Authorization", "X-Forwarded-For", "If-None-Match", "X-Kbs"), printable, (n, v) => (n, v))),
            (1, Gen.Select(Gen.Char['a', 'z'].Array[1, 16].Select(c => "X-" + new string(c)), printable, (n, v) => (n, v))),
            (1, Gen.Int[1, 4].Select(k => ("X-Big", new string('a', k * 12_000))))); // 48 KB at most: over the header limit
        var body = Gen.Frequency(
            (2, Gen.Const((byte[]?)null)),
            (3, Gen.Byte.Array[0, 600].Select(b => (byte[]?)b)),
            (4, Json(3).Select(j => (byte[]?)Encoding.UTF8.GetBytes(j))),
            (2, Gen.Select(Json(2), Gen.Byte.Array[1, 4], Gen.Int[0, 1000], (j, junk, at) => (byte[]?)Insert(Encoding.UTF8.GetBytes(j), [0xff, .. junk], at))),
            (3, Gen.Select(Json(2), Gen.Int[0, int.MaxValue], (j, c) => (byte[]?)Encoding.UTF8.GetBytes(Replace("""{"version":"0.1.0","tee":"snp","extra-params":""}""", c, j)))),
            (4, Gen.Select(Json(2), Gen.Int[0, int.MaxValue], (j, c) => (byte[]?)Encoding.UTF8.GetBytes(Replace(_attestation, c, j)))),
            (2, Gen.Select(Gen.Byte[0x80, 0xff].Array[1, 3], Gen.Int[0, int.MaxValue], Gen.Bool,
                (junk, c, auth) => (byte[]?)IntoStringValue(auth ? """{"version":"0.1.0","tee":"snp","extra-params":""}""" : _attestation, junk, c))),
            (1, Gen.Int[1, 200].Select(d => (byte[]?)Encoding.UTF8.GetBytes(new string('[', d) + new string(']', d)))));
        var contentType = Gen.Frequency((4, Gen.Const<string?>("application/json")), (1, Gen.Const((string?)null)), (1, Gen.OneOf<string?>("text/plain", "application/octet-stream", "multipart/form-data; boundary=x")));
        return Gen.Select(method, path, header.List[0, 4], body, contentType,
            (m, p, h, b, t) => new RandomRequest(m, p, h, b, t));
    }

    /// <summary>Random JSON text in the protocol's vocabulary, nested at most <paramref name="depth"/> deep.</summary>
    private static Gen<string> Json(int depth)
    {
        var word = Gen.Frequency(
            (4, Gen.OneOf(s_words)),
            (2, Gen.Byte.Array[0, 80].Select(Convert.ToBase64String)),
            (1, Gen.Byte.Array[0, 40].Select(Convert.ToHexStringLower)),
            (1, Gen.Char[' ', '~'].Array[0, 30].Select(c => new string(c))));
        var leaf = Gen.Frequency(
            (4, word.Select(w => JsonSerializer.Serialize(w))),
            (1, Gen.OneOf("null", "true", "false", "0", "-1", "1e400", "18446744073709551616", "0.5")),
            (1, Gen.Long.Select(l => l.ToString(CultureInfo.InvariantCulture))));
        if (depth == 0) return leaf;
        var inner = Json(depth - 1);
        var key = Gen.Frequency((5, Gen.OneOf(s_keys)), (1, Gen.Char[' ', '~'].Array[0, 10].Select(c => new string(c))));
        return Gen.Frequency(
            (3, leaf),
            (1, inner.Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")),
            (3, Gen.Select(key, inner).Array[0, 5].Select(members =>
                "{" + string.Join(",", members.Select(m => JsonSerializer.Serialize(m.Item1) + ":" + m.Item2)) + "}")));
    }

    /// <summary>A valid JSON document with one member (chosen by <paramref name="choice"/>) replaced by <paramref name="json"/>, or removed.</summary>
    private static string Replace(string document, int choice, string json)
    {
        var root = JsonNode.Parse(document)!;
        JsonNode node = root;
        for (int level = 0; ; level++)
        {
            var children = node switch
            {
                JsonObject o => o.Select(p => (JsonNode?)p.Value).ToList(),
                JsonArray a => [.. a],
                _ => [],
            };
            var containers = children.Where(c => c is JsonObject or JsonArray).ToList();
            int pick = (choice >> (level * 3)) & 7;
            if (containers.Count == 0 || pick < 3 || level > 6) break;
            node = containers[pick % containers.Count]!;
        }
        JsonNode? replacement = JsonNode.Parse(json);
        switch (node)
        {
            case JsonObject o when o.Count > 0:
                string name = o.ElementAt((choice >>> 20) % o.Count).Key;
                if ((choice & 1) == 0) o.Remove(name);
                else o[name] = replacement;
                break;
            case JsonArray a when a.Count > 0:
                a[(choice >>> 20) % a.Count] = replacement;
                break;
            case JsonObject o:
                o["x"] = replacement;
                break;
        }
        return root.ToJsonString();
    }

    private static string Mutate(string cookie, int choice)
    {
        char[] c = cookie.ToCharArray();
        int at = "kbs-session-id=".Length + choice % (c.Length - "kbs-session-id=".Length);
        c[at] = c[at] == 'a' ? 'b' : c[at] == '.' ? '-' : 'a';
        return new string(c);
    }

    /// <summary>The UTF-8 of <paramref name="json"/> with <paramref name="junk"/> (bytes that are not UTF-8 alone) at the start of one of its string values.</summary>
    private static byte[] IntoStringValue(string json, byte[] junk, int choice)
    {
        byte[] data = Encoding.UTF8.GetBytes(json);
        int[] starts = [.. Enumerable.Range(1, data.Length - 1).Where(i => data[i] == (byte)'"' && data[i - 1] == (byte)':')];
        return Insert(data, junk, starts[choice % starts.Length] + 1);
    }

    private static byte[] Insert(byte[] data, byte[] junk, int at)
    {
        at %= data.Length + 1;
        return [.. data.AsSpan(0, at), .. junk, .. data.AsSpan(at)];
    }

    private HttpRequestMessage ToMessage(RandomRequest r)
    {
        // Absolute, so that a path starting with "//" stays a path.
        var message = new HttpRequestMessage(new HttpMethod(r.Method), new Uri(_broker.Server.Address.GetLeftPart(UriPartial.Authority) + r.Path));
        if (r.Body is { } body)
        {
            message.Content = new ByteArrayContent(body);
            if (r.ContentType is { } type) message.Content.Headers.TryAddWithoutValidation("Content-Type", type);
        }
        foreach (var (name, value) in r.Headers) message.Headers.TryAddWithoutValidation(name, value);
        return message;
    }

    private static void AssertKbsError(string body)
    {
        var root = JsonDocument.Parse(body).RootElement;
        Assert.StartsWith(ErrorType, root.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("detail").GetString()));
    }
}
