using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Services.Maa;

/// <summary>
/// The claims of an Azure Attestation token for a confidential VM, read without verifying anything (verify first with
/// <see cref="MaaClient.Verify"/>): the outer <c>azurevm</c> claims and the <c>x-ms-isolation-tee</c> claims of the
/// SEV-SNP or TDX report behind them.
/// </summary>
public sealed record MaaTokenClaims
{
    /// <summary>The instance that issued the token.</summary>
    public required string Issuer { get; init; }
    /// <summary>The header's key id.</summary>
    public string? KeyId { get; init; }
    /// <summary>The header's <c>jku</c> (informational only: keys are fetched from the configured instance, never from here).</summary>
    public string? JwksUrlInHeader { get; init; }
    /// <summary><c>iat</c>.</summary>
    public DateTimeOffset IssuedAt { get; init; }
    /// <summary><c>exp</c>.</summary>
    public DateTimeOffset Expires { get; init; }
    /// <summary><c>x-ms-attestation-type</c> ("azurevm", "sevsnpvm", "tdxvm").</summary>
    public string? AttestationType { get; init; }
    /// <summary><c>x-ms-isolation-tee.x-ms-attestation-type</c> ("sevsnpvm", "tdxvm"), or null.</summary>
    public string? IsolationTeeType { get; init; }
    /// <summary><c>x-ms-compliance-status</c> of the isolation TEE.</summary>
    public string? ComplianceStatus { get; init; }
    /// <summary>SNP launch measurement (hex), when present.</summary>
    public string? LaunchMeasurement { get; init; }
    /// <summary>Whether the SNP guest is debuggable, when present.</summary>
    public bool? Debuggable { get; init; }
    /// <summary>The SNP VMPL, when present.</summary>
    public int? Vmpl { get; init; }
    /// <summary>The PCRs the vTPM quote covered (azurevm tokens).</summary>
    public IReadOnlyList<int> AttestedPcrs { get; init; } = [];
    /// <summary>The nonce echoed by the service, when present.</summary>
    public string? Nonce { get; init; }

    /// <summary>Reads a token's header and payload.</summary>
    /// <exception cref="AttestationException">Not a JWS with a JSON payload, or no issuer.</exception>
    public static MaaTokenClaims Parse(string token)
    {
        string[] parts = token.Trim().Split('.');
        if (parts.Length != 3) throw new AttestationException("MAA token: not a compact JWS (three dot-separated parts)");
        try
        {
            var header = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(parts[0])).RootElement;
            var body = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(parts[1])).RootElement;
            var tee = body.TryGetProperty("x-ms-isolation-tee", out var t) && t.ValueKind == JsonValueKind.Object ? t : default;
            return new MaaTokenClaims
            {
                Issuer = Str(body, "iss") ?? throw new AttestationException("MAA token has no iss"),
                KeyId = Str(header, "kid"),
                JwksUrlInHeader = Str(header, "jku"),
                IssuedAt = DateTimeOffset.FromUnixTimeSeconds(body.GetProperty("iat").GetInt64()),
                Expires = DateTimeOffset.FromUnixTimeSeconds(body.GetProperty("exp").GetInt64()),
                AttestationType = Str(body, "x-ms-attestation-type"),
                IsolationTeeType = Str(tee, "x-ms-attestation-type"),
                ComplianceStatus = Str(tee, "x-ms-compliance-status"),
                LaunchMeasurement = Str(tee, "x-ms-sevsnpvm-launchmeasurement"),
                Debuggable = tee.ValueKind == JsonValueKind.Object && tee.TryGetProperty("x-ms-sevsnpvm-is-debuggable", out var d) ? d.GetBoolean() : null,
                Vmpl = tee.ValueKind == JsonValueKind.Object && tee.TryGetProperty("x-ms-sevsnpvm-vmpl", out var v) ? v.GetInt32() : null,
                AttestedPcrs = body.TryGetProperty("x-ms-azurevm-attested-pcrs", out var p) ? p.EnumerateArray().Select(x => x.GetInt32()).ToArray() : [],
                Nonce = Str(body, "nonce"),
            };
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or KeyNotFoundException or InvalidOperationException)
        {
            throw new AttestationException($"MAA token: {e.Message}", e);
        }
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
