using System.Text;
using System.Text.Json;

namespace TeeWasm.Attestation.Services;

/// <summary>
/// Evidence as the remote services take it: the raw hardware report or quote, its certificates, and the runtime data
/// (the report_data binding's inputs as JSON), read back from the evidence JSON the <see cref="Attester"/> produced.
/// </summary>
public sealed record ServiceEvidence
{
    /// <summary>"AMD_SEV_SNP" or "TDX" (the evidence JSON's <c>tee_type</c>).</summary>
    public required string TeeType { get; init; }

    /// <summary>The raw SNP report or TDX quote.</summary>
    public required byte[] Report { get; init; }

    /// <summary>Certificates as PEM (leaf first).</summary>
    public IReadOnlyList<string> CertificatesPem { get; init; } = [];

    /// <summary>The runtime data: the binding object (scheme, module_sha256, host_key, nonce) as UTF-8 JSON.</summary>
    public required byte[] RuntimeData { get; init; }

    /// <summary>The relying party's nonce.</summary>
    public required byte[] Nonce { get; init; }

    /// <summary>True for simulator evidence.</summary>
    public bool Simulated { get; init; }

    /// <summary>Reads the evidence JSON of an <see cref="AttestationResult"/>.</summary>
    /// <exception cref="AttestationException">The JSON lacks the report or binding.</exception>
    public static ServiceEvidence FromEvidenceJson(string evidenceJson)
    {
        try
        {
            var root = JsonDocument.Parse(evidenceJson).RootElement;
            var binding = root.GetProperty("binding");
            return new ServiceEvidence
            {
                TeeType = root.GetProperty("tee_type").GetString()!,
                Report = Convert.FromBase64String(root.GetProperty("report").GetString()!),
                CertificatesPem = root.TryGetProperty("certificates", out var certs)
                    ? certs.EnumerateArray().Select(c => c.GetString()!).ToArray() : [],
                RuntimeData = Encoding.UTF8.GetBytes(binding.GetRawText()),
                Nonce = Convert.FromHexString(binding.GetProperty("nonce").GetString()!),
                Simulated = root.TryGetProperty("simulated", out var s) && s.ValueKind == JsonValueKind.True,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            throw new AttestationException($"evidence JSON lacks what a remote verifier needs: {e.Message}", e);
        }
    }
}
