using System.Collections.Concurrent;
using System.Net;
using System.Text;
using TeeWasm.Attestation.Services.Kbs;
using TeeWasm.Attestation.Tests;

namespace TeeWasm.KeyBroker.Tests;

/// <summary>
/// Sessions under load (issue 12, item 5): a challenge takes no memory, so an unauthenticated <c>/auth</c> flood pushes
/// nobody out; only attested sessions are held, bounded; challenges expire; a cookie the broker did not issue is no session.
/// </summary>
public sealed class SessionStoreTests
{
    private static StringContent AuthRequest => new("""{"version":"0.1.0","tee":"snp","extra-params":""}""", Encoding.UTF8, "application/json");

    [Fact]
    public async Task Auth_flood_holds_no_session_and_guests_attest_and_get_their_secrets_during_it()
    {
        // Room for two attested sessions: before, the flood's first /auth found the table full (503 "too many open sessions").
        await using var broker = await TestBroker.StartAsync(configure: o => o with { MaxSessions = 2 });
        using var first = TestBroker.Guest();
        using var firstClient = broker.Client(first);
        Assert.True(firstClient.GetSecret("demo").Success);

        using var http = broker.Http();
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
        var flood = Parallel.ForEachAsync(Enumerable.Range(0, 3000), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, ct) =>
            statuses.AddOrUpdate((await http.PostAsync(KbsProtocol.AuthPath, AuthRequest, ct)).StatusCode, 1, (_, n) => n + 1));
        using var second = TestBroker.Guest();
        using var secondClient = broker.Client(second);
        var during = await Task.Run(() => (First: firstClient.GetSecret("other"), Second: secondClient.GetSecret("demo")));
        await flood;

        Assert.True(during.First.Success, during.First.Error);   // the attested guest keeps its session
        Assert.True(during.Second.Success, during.Second.Error); // a new guest attests and gets its secret
        Assert.Equal(broker.Secret, during.Second.Secret);
        Assert.Equal(3000, Assert.Single(statuses, s => s.Key == HttpStatusCode.OK).Value);
        string metrics = await http.GetStringAsync(KeyBrokerServer.MetricsPath);
        Assert.Contains("\nkbs_sessions 2\n", metrics); // the two attested guests; the 3000 challenges hold nothing
    }

    [Fact]
    public async Task Attested_sessions_are_bounded_and_expired_ones_make_room()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var broker = await TestBroker.StartAsync(configure: o => o with { MaxSessions = 2, Time = clock });
        using var a = TestBroker.Guest();
        using var b = TestBroker.Guest();
        using var c = TestBroker.Guest();
        using var clientA = broker.Client(a);
        using var clientB = broker.Client(b);
        using var clientC = broker.Client(c);
        Assert.True(clientA.GetSecret("demo").Success);
        Assert.True(clientB.GetSecret("demo").Success);

        var refused = clientC.GetSecret("demo");
        Assert.Contains("attestation refused (HTTP 503): too many attested sessions (2); try again later", refused.Error);

        clock.Advance(TimeSpan.FromMinutes(6)); // past the 5-minute session lifetime: a and b expire
        Assert.True(clientC.GetSecret("demo").Success);
    }

    [Fact]
    public async Task A_challenge_expires_after_its_lifetime()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var broker = await TestBroker.StartAsync(configure: o => o with { Time = clock, ChallengeLifetime = TimeSpan.FromSeconds(30) });
        using var http = broker.Http();
        using var guest = TestBroker.Guest();

        var (nonce, cookie) = await broker.AuthAsync(http);
        var (body, key) = TestBroker.Attestation(guest, nonce);
        clock.Advance(TimeSpan.FromSeconds(31));
        var late = await http.SendAsync(TestBroker.Request(HttpMethod.Post, KbsProtocol.AttestPath, cookie, new StringContent(body)));
        Assert.Equal(HttpStatusCode.Unauthorized, late.StatusCode);
        Assert.Equal("the challenge has expired: POST /kbs/v0/auth again", await TestBroker.DetailAsync(late));

        (nonce, cookie) = await broker.AuthAsync(http);
        (body, key) = TestBroker.Attestation(guest, nonce);
        clock.Advance(TimeSpan.FromSeconds(29));
        var inTime = await http.SendAsync(TestBroker.Request(HttpMethod.Post, KbsProtocol.AttestPath, cookie, new StringContent(body)));
        Assert.Equal(HttpStatusCode.OK, inTime.StatusCode);
        var secret = await http.SendAsync(TestBroker.Request(HttpMethod.Get, KbsProtocol.ResourcePrefix + "default/secret/demo", cookie));
        Assert.Equal(broker.Secret, key.Decrypt(await secret.Content.ReadAsStringAsync()));
        key.Dispose();
    }

    [Fact]
    public async Task A_cookie_this_broker_did_not_issue_is_no_session()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var other = await TestBroker.StartAsync();
        using var http = broker.Http();
        using var guest = TestBroker.Guest();
        var (nonce, cookie) = await broker.AuthAsync(http);
        var (body, key) = TestBroker.Attestation(guest, nonce);
        using (key)
        {
            // One digit of the tag changed; the expiry pushed back; a cookie of another broker: none is a session.
            char last = cookie[^1];
            string altered = cookie[..^1] + (last == '0' ? '1' : '0');
            string[] parts = cookie.Split('.');
            string later = string.Join('.', parts[0], (long.Parse(parts[1]) + 3600).ToString(), parts[2], parts[3]);
            var (_, foreign) = await other.AuthAsync(other.Http());
            foreach (string bad in new[] { altered, later, foreign, "kbs-session-id=", "kbs-session-id=abc" })
            {
                var response = await http.SendAsync(TestBroker.Request(HttpMethod.Post, KbsProtocol.AttestPath, bad, new StringContent(body)));
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                Assert.Equal("no session: POST /kbs/v0/auth first (cookie kbs-session-id)", await TestBroker.DetailAsync(response));
            }

            // A challenge that has not attested has no resources.
            var early = await http.SendAsync(TestBroker.Request(HttpMethod.Get, KbsProtocol.ResourcePrefix + "default/secret/demo", cookie));
            Assert.Equal(HttpStatusCode.Unauthorized, early.StatusCode);
            Assert.Equal("no attested session: POST /kbs/v0/auth and /kbs/v0/attest first", await TestBroker.DetailAsync(early));
        }
    }
}
