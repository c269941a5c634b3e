using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Services.Kbs;

namespace TeeWasm.KeyBroker.Tests;

/// <summary>
/// The broker's HTTP surface besides the protocol's happy path (issue 12, items 6 and 8; issue 15, item 6): bodies that
/// are not UTF-8 or too large, where it may listen, TLS, its request log, <c>/health</c> and <c>/metrics</c>.
/// </summary>
public sealed class KeyBrokerHttpTests
{
    private static ByteArrayContent Bytes(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static byte[] NotUtf8(string prefix, string suffix) => [.. System.Text.Encoding.ASCII.GetBytes(prefix), 0xff, 0xfe, 0xc3, .. System.Text.Encoding.ASCII.GetBytes(suffix)];

    [Fact]
    public async Task A_body_that_is_not_utf8_is_a_400_that_says_so_and_is_logged()
    {
        await using var broker = await TestBroker.StartAsync();
        using var http = broker.Http();

        // Before: an invalid UTF-8 string in the Request gave HTTP 500 with an empty body and no log line.
        var auth = await http.PostAsync(KbsProtocol.AuthPath, Bytes(NotUtf8("""{"version":"0.1.0","tee":"snp""", "\"}")));
        Assert.Equal(HttpStatusCode.BadRequest, auth.StatusCode);
        Assert.Equal("auth body is not a KBS Request (JSON): not UTF-8", await TestBroker.DetailAsync(auth));

        var (_, cookie) = await broker.AuthAsync(http);
        var attest = await http.SendAsync(TestBroker.Request(HttpMethod.Post, KbsProtocol.AttestPath, cookie, Bytes(NotUtf8("""{"tee-pubkey":{"kty":"EC","crv":"P-256","x":""", "\"}}"))));
        Assert.Equal(HttpStatusCode.BadRequest, attest.StatusCode);
        Assert.Equal("attest body is not a KBS Attestation (JSON): not UTF-8", await TestBroker.DetailAsync(attest));

        Assert.Contains(broker.Log.Lines, l => l.StartsWith("Information: POST /kbs/v0/auth 400 ", StringComparison.Ordinal));
        Assert.Contains(broker.Log.Lines, l => l.StartsWith("Information: POST /kbs/v0/attest 400 ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_body_over_the_limit_is_a_413_that_says_so()
    {
        await using var broker = await TestBroker.StartAsync();
        using var http = broker.Http();
        var response = await http.PostAsync(KbsProtocol.AuthPath, Bytes(new byte[KeyBrokerServer.MaxRequestBodyBytes + 1]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request body over 1048576 bytes", await TestBroker.DetailAsync(response));
        Assert.Contains(broker.Log.Lines, l => l.StartsWith("Information: POST /kbs/v0/auth 413 ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("127.0.0.1:0", true)]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("127.1.2.3:0", true)]
    [InlineData("localhost:8080", true)]
    [InlineData("[::1]:0", true)]
    [InlineData("0.0.0.0:8080", false)]
    [InlineData("[::]:8080", false)]
    [InlineData("*:8080", false)]
    [InlineData("+:8080", false)]
    [InlineData("10.1.2.3:8080", false)]
    [InlineData("kbs.example.com:8080", false)]
    public void Loopback_is_127_0_0_0_8_the_ipv6_loopback_and_localhost(string listen, bool loopback) =>
        Assert.Equal(loopback, KeyBrokerServer.IsLoopback(listen));

    [Fact]
    public async Task Plain_http_beyond_loopback_is_refused_unless_allowed_and_then_logged_as_a_warning()
    {
        var e = await Assert.ThrowsAsync<AttestationException>(() => TestBroker.StartAsync(configure: o => o with { Listen = "0.0.0.0:0" }));
        Assert.Equal("0.0.0.0:0 " + KeyBrokerServer.InsecureHttpRefused, e.Message);

        await using var broker = await TestBroker.StartAsync(configure: o => o with { Listen = "0.0.0.0:0", AllowInsecureHttp = true });
        Assert.Contains(broker.Log.Lines, l => l == "Warning: serving plain HTTP beyond loopback on 0.0.0.0:0 (allowed explicitly): session cookies and tokens cross the network in clear");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{broker.Server.Address.Port}") };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(KeyBrokerServer.HealthPath)).StatusCode);
    }

    [Fact]
    public async Task Https_serves_with_the_given_certificate_and_needs_one()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));

        var e = await Assert.ThrowsAsync<AttestationException>(() => TestBroker.StartAsync(configure: o => o with { Listen = "https://127.0.0.1:0" }));
        Assert.Equal("listen address https://127.0.0.1:0 is https: a TLS certificate and key are needed (--tls-cert, --tls-key)", e.Message);

        await using var broker = await TestBroker.StartAsync(configure: o => o with { Listen = "https://127.0.0.1:0", TlsCertificate = certificate });
        Assert.Equal("https", broker.Server.Address.Scheme);
        byte[]? seen = null;
        using var http = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, cert, _, _) => (seen = cert?.GetRawCertData()) is not null && seen.AsSpan().SequenceEqual(certificate.RawData) },
        }) { BaseAddress = broker.Server.Address };
        Assert.Equal("""{"status":"ok"}""", await http.GetStringAsync(KeyBrokerServer.HealthPath));
        Assert.Equal(certificate.RawData, seen);
    }

    [Fact]
    public async Task Each_request_is_logged_with_method_path_status_and_latency_and_never_a_secret_cookie_or_token()
    {
        await using var broker = await TestBroker.StartAsync();
        using var http = broker.Http();
        using var guest = TestBroker.Guest();
        var (nonce, cookie) = await broker.AuthAsync(http);
        var (body, key) = TestBroker.Attestation(guest, nonce);
        using (key)
        {
            var attest = await http.SendAsync(TestBroker.Request(HttpMethod.Post, KbsProtocol.AttestPath, cookie, new StringContent(body)));
            string token = JsonDocument.Parse(await attest.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
            var resource = await http.SendAsync(TestBroker.Request(HttpMethod.Get, KbsProtocol.ResourcePrefix + "default/secret/demo", cookie));
            Assert.Equal(broker.Secret, key.Decrypt(await resource.Content.ReadAsStringAsync()));
            await http.GetAsync("/kbs/v0/resource/default/secret/nope%0Aforged%20line");

            var lines = broker.Log.Lines;
            Assert.Matches(@"^Information: POST /kbs/v0/auth 200 \d+\.\d ms 127\.0\.0\.1$", lines[0]);
            Assert.Matches(@"^Information: POST /kbs/v0/attest 200 \d+\.\d ms 127\.0\.0\.1$", lines[1]);
            Assert.Matches(@"^Information: GET /kbs/v0/resource/default/secret/demo 200 \d+\.\d ms 127\.0\.0\.1$", lines[2]);
            // A path is logged as it is escaped on the wire: a client cannot forge a log line.
            Assert.Matches(@"^Information: GET /kbs/v0/resource/default/secret/nope%0Aforged%20line 401 \d+\.\d ms 127\.0\.0\.1$", lines[3]);
            string all = string.Join("\n", lines);
            Assert.DoesNotContain(Convert.ToBase64String(broker.Secret), all);
            Assert.DoesNotContain(Convert.ToHexString(broker.Secret), all, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(cookie.Split('=')[1], all);
            Assert.DoesNotContain(token, all);
            Assert.DoesNotContain(nonce, all);
        }
    }

    [Fact]
    public async Task Health_and_metrics_say_what_the_broker_did_and_name_no_secret_or_client()
    {
        await using var broker = await TestBroker.StartAsync("""{"default":{"allow_simulated":true},"secrets":{"default/secret/other":{}}}""");
        using var guest = TestBroker.Guest();
        using var client = broker.Client(guest);
        Assert.True(client.GetSecret("demo").Success);
        Assert.Contains("policy forbids simulated platforms", client.GetSecret("other").Error);
        Assert.Contains("no secret", client.GetSecret("absent").Error);
        using var http = broker.Http();
        await http.GetAsync(KbsProtocol.ResourcePrefix + "default/secret/demo"); // no session

        Assert.Equal("""{"status":"ok"}""", await http.GetStringAsync(KeyBrokerServer.HealthPath));
        var metrics = await http.GetAsync(KeyBrokerServer.MetricsPath);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", metrics.Content.Headers.ContentType!.ToString());
        string text = await metrics.Content.ReadAsStringAsync();
        foreach (string line in new[]
        {
            "kbs_requests_total{route=\"auth\",status=\"200\"} 1",
            "kbs_requests_total{route=\"attest\",status=\"200\"} 1",
            "kbs_requests_total{route=\"resource\",status=\"200\"} 1",
            "kbs_requests_total{route=\"resource\",status=\"403\"} 1",
            "kbs_requests_total{route=\"resource\",status=\"404\"} 1",
            "kbs_requests_total{route=\"resource\",status=\"401\"} 1",
            "kbs_requests_total{route=\"health\",status=\"200\"} 1",
            "kbs_attestations_total{result=\"accepted\"} 1",
            "kbs_secret_releases_total 1",
            "kbs_secret_refusals_total{reason=\"PolicyDeny\"} 1",
            "kbs_secret_refusals_total{reason=\"ResourceNotFound\"} 1",
            "kbs_secret_refusals_total{reason=\"UnAuthenticated\"} 1",
            "kbs_sessions 1",
        })
            Assert.Contains("\n" + line + "\n", text);
        Assert.Contains("\nprocess_working_set_bytes ", text);
        Assert.Matches(@"\nkbs_request_duration_seconds_count\{route=""attest""\} 1\n", text);
        Assert.DoesNotContain("demo", text);
        Assert.DoesNotContain("absent", text);
        Assert.DoesNotContain("127.0.0.1", text);

        Directory.Delete(broker.SecretsDirectory, recursive: true);
        var gone = await http.GetAsync(KeyBrokerServer.HealthPath);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, gone.StatusCode);
        Assert.Equal("""{"status":"unavailable","detail":"the secrets directory is gone"}""", await gone.Content.ReadAsStringAsync());
    }
}
