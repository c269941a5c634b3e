using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TeeWasm.Attestation.Tokens;

/// <summary>Issues ES256 JWTs for verified evidence, signed with the attested host key.</summary>
public sealed class AttestationTokenIssuer
{
    private readonly HostAttestationKey _key;
    private readonly TimeProvider _time;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SigningCredentials _credentials;

    /// <summary>Creates an issuer that signs with <paramref name="key"/>.</summary>
    public AttestationTokenIssuer(HostAttestationKey key, TimeSpan lifetime, TimeProvider? time = null)
    {
        _key = key;
        Lifetime = lifetime;
        _time = time ?? TimeProvider.System;
        _credentials = new SigningCredentials(new ECDsaSecurityKey(key.Key) { KeyId = key.KeyId }, SecurityAlgorithms.EcdsaSha256);
    }

    /// <summary>How long issued tokens stay valid.</summary>
    public TimeSpan Lifetime { get; }

    /// <summary>Issues a token; returns it with its expiry.</summary>
    public (string Token, DateTimeOffset ExpiresAt) Issue(VerifiedEvidence evidence)
    {
        var claims = new Dictionary<string, object>
        {
            [AttestationClaims.Subject] = evidence.Subject,
            [AttestationClaims.Platform] = evidence.Platform,
            [AttestationClaims.Measurement] = Convert.ToHexStringLower(evidence.Measurement),
            [AttestationClaims.ReportData] = Convert.ToHexStringLower(evidence.ReportData),
            [AttestationClaims.ModuleHash] = Convert.ToHexStringLower(evidence.ModuleHash),
            [AttestationClaims.Nonce] = Convert.ToHexStringLower(evidence.Nonce),
            [AttestationClaims.HostKey] = Base64UrlEncoder.Encode(_key.PublicPoint),
            [AttestationClaims.Simulated] = evidence.Simulated,
        };
        if (evidence.GpuIndex is int gpu) claims[AttestationClaims.GpuIndex] = gpu;
        if (evidence.DeviceId is { } id) claims[AttestationClaims.DeviceId] = id;
        if (evidence.VerifierNote is { } note) claims[AttestationClaims.Verifier] = note;
        AddRunClaims(claims, evidence);
        return Sign(claims);
    }

    /// <summary>
    /// Issues one token for the VM and every GPU attested over one nonce and this host key: at the top the binding
    /// <paramref name="reportData"/> of module, host key, workload and nonce (TeeWasm's scheme: the VM report carries it,
    /// or a token service's binding of the same inputs; each GPU report carries its first 32 bytes) and the VM's
    /// platform and measurement; each device's claims in <c>devices</c>.
    /// </summary>
    public (string Token, DateTimeOffset ExpiresAt) IssueComposite(VerifiedEvidence vm, IReadOnlyList<VerifiedEvidence> gpus, byte[] reportData)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(gpus);
        var claims = new Dictionary<string, object>
        {
            [AttestationClaims.Subject] = AttestationClaims.CompositeSubject,
            [AttestationClaims.Platform] = vm.Platform,
            [AttestationClaims.Measurement] = Convert.ToHexStringLower(vm.Measurement),
            [AttestationClaims.ReportData] = Convert.ToHexStringLower(reportData),
            [AttestationClaims.ModuleHash] = Convert.ToHexStringLower(vm.ModuleHash),
            [AttestationClaims.Nonce] = Convert.ToHexStringLower(vm.Nonce),
            [AttestationClaims.HostKey] = Base64UrlEncoder.Encode(_key.PublicPoint),
            [AttestationClaims.Simulated] = vm.Simulated || gpus.Any(g => g.Simulated),
            [AttestationClaims.Devices] = new List<object> { DeviceClaims(vm) }.Concat(gpus.Select(DeviceClaims)).ToList(),
        };
        AddRunClaims(claims, vm);
        return Sign(claims);
    }

    private static Dictionary<string, object> DeviceClaims(VerifiedEvidence e)
    {
        var claims = new Dictionary<string, object>
        {
            [AttestationClaims.Platform] = e.Platform,
            [AttestationClaims.Measurement] = Convert.ToHexStringLower(e.Measurement),
            [AttestationClaims.ReportData] = Convert.ToHexStringLower(e.ReportData),
            [AttestationClaims.Simulated] = e.Simulated,
        };
        if (e.GpuIndex is int gpu) claims[AttestationClaims.GpuIndex] = gpu;
        if (e.DeviceId is { } id) claims[AttestationClaims.DeviceId] = id;
        return claims;
    }

    private static void AddRunClaims(Dictionary<string, object> claims, VerifiedEvidence e)
    {
        if (e.WorkloadSha256 is { } workload) claims[AttestationClaims.WorkloadSha256] = Convert.ToHexStringLower(workload);
        if (e.MeasurementLog is { } log)
        {
            claims[AttestationClaims.MeasurementLog] = log.Hex;
            claims[AttestationClaims.MeasurementLogLength] = log.Entries;
        }
    }

    private (string Token, DateTimeOffset ExpiresAt) Sign(Dictionary<string, object> claims)
    {
        var now = _time.GetUtcNow();
        var expires = now + Lifetime;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = AttestationClaims.LocalIssuer,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Claims = claims,
            SigningCredentials = _credentials,
        };
        return (ToLowS(_handler.CreateToken(descriptor)), expires);
    }

    // ECDSA leaves s or n − s to chance; the validator accepts only the low-S form of the local verifier's tokens.
    private static string ToLowS(string token)
    {
        int dot = token.LastIndexOf('.');
        byte[] signature = Base64UrlEncoder.DecodeBytes(token[(dot + 1)..]);
        return token[..(dot + 1)] + Base64UrlEncoder.Encode(EcdsaSignatureForm.ToLowS(signature));
    }
}
