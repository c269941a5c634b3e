using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Inputs;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.AzureVtpm;

/// <summary>
/// Fetches the VCEK and its chain from the Azure IMDS THIM endpoint (<c>{"vcekCert": PEM, "certificateChain": PEM}</c>,
/// header <c>Metadata: true</c>). Used when <see cref="AzureVtpmOptions.FetchVcekFromImds"/> is set and no VCEK is
/// configured. The certificates prove nothing by themselves: the verifier chains them to AMD's pinned ARK.
/// </summary>
internal static class ImdsVcekClient
{
    public static IReadOnlyList<X509Certificate2> Fetch(string endpoint, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = timeout, MaxResponseContentBufferSize = InputLimits.ServiceAnswer };
        using var request = new HttpRequestMessage(HttpMethod.Get, endpoint);
        request.Headers.Add("Metadata", "true");
        try
        {
            using var response = http.Send(request);
            if (!response.IsSuccessStatusCode)
                throw new AttestationException($"fetching the VCEK from {endpoint} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            using var stream = response.Content.ReadAsStream();
            using var doc = JsonDocument.Parse(stream);
            string pem = (doc.RootElement.GetProperty("vcekCert").GetString() ?? "") + "\n" +
                         (doc.RootElement.TryGetProperty("certificateChain", out var chain) ? chain.GetString() : "");
            return CertificateLoader.Load(pem.AsSpan());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new AttestationException($"fetching the VCEK from {endpoint} failed: {e.Message}", e);
        }
    }
}
