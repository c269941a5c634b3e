using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>One GPU's evidence as NVIDIA's tools exchange it.</summary>
/// <param name="Arch">"HOPPER", "BLACKWELL".</param>
/// <param name="Report">The SPDM attestation report.</param>
/// <param name="CertificateChainPem">The device certificate chain, PEM, leaf first.</param>
/// <param name="Nonce">The nonce the report was requested over.</param>
public sealed record NvidiaEvidenceItem(string Arch, byte[] Report, string CertificateChainPem, byte[] Nonce);

/// <summary>
/// The evidence JSON nvattest and NRAS use: an array of <c>{arch, certificate (base64 of the PEM chain),
/// evidence (base64 of the report), nonce (hex)}</c>.
/// </summary>
public static class NvidiaEvidenceList
{
    /// <summary>Parses the array.</summary>
    /// <exception cref="NvidiaAttestationException">Not that shape.</exception>
    public static List<NvidiaEvidenceItem> Parse(string json)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            return doc.RootElement.EnumerateArray().Select(e => new NvidiaEvidenceItem(
                e.TryGetProperty("arch", out var arch) ? arch.GetString() ?? "" : "",
                Convert.FromBase64String(e.GetProperty("evidence").GetString()!),
                Encoding.ASCII.GetString(Convert.FromBase64String(e.GetProperty("certificate").GetString()!)),
                e.TryGetProperty("nonce", out var n) ? Convert.FromHexString(n.GetString()!) : [])).ToList();
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException or NullReferenceException)
        {
            throw new NvidiaAttestationException(NvidiaFailureReason.Malformed, "NVIDIA evidence JSON is not [{arch, certificate, evidence, nonce}]: " + e.Message, e);
        }
    }

    /// <summary>Writes the array.</summary>
    public static string ToJson(IEnumerable<NvidiaEvidenceItem> items)
    {
        var array = new JsonArray();
        foreach (NvidiaEvidenceItem i in items)
            array.Add((JsonNode)new JsonObject
            {
                ["arch"] = i.Arch,
                ["certificate"] = Convert.ToBase64String(Encoding.ASCII.GetBytes(i.CertificateChainPem)),
                ["evidence"] = Convert.ToBase64String(i.Report),
                ["nonce"] = Convert.ToHexStringLower(i.Nonce),
            });
        return array.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Verifies every item with <paramref name="verifier"/> against <paramref name="expectedNonce"/>.</summary>
    /// <exception cref="NvidiaAttestationException">An item does not verify; the message names its position.</exception>
    internal static List<GpuReportVerification> VerifyAll(IReadOnlyList<NvidiaEvidenceItem> items, GpuReportVerifier verifier, ReadOnlySpan<byte> expectedNonce)
    {
        var results = new List<GpuReportVerification>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            try
            {
                results.Add(verifier.Verify(GpuAttestationReport.Parse(items[i].Report), items[i].CertificateChainPem, expectedNonce));
            }
            catch (NvidiaAttestationException e)
            {
                throw new NvidiaAttestationException(e.Reason, $"GPU evidence {i}: {e.Message}", e);
            }
        }
        return results;
    }
}
