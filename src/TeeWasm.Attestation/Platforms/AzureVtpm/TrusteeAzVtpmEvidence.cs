using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Tpm;

namespace TeeWasm.Attestation.Platforms.AzureVtpm;

/// <summary>
/// Trustee's Azure vTPM evidence, version 2 (guest-components <c>attester/src/az_{snp,tdx}_vtpm/mod.rs</c>, trustee
/// <c>deps/verifier/src/az_{snp,tdx}_vtpm/{mod,compat}.rs</c>): <c>{"version": 2, "tpm_quote": {"signature": hex, "message":
/// hex, "pcrs": [hex]}, "hcl_report": base64url, "vcek": base64url}</c> (<c>az-snp-vtpm</c>) or the same with
/// <c>"td_quote": base64url</c> instead of <c>vcek</c> (<c>az-tdx-vtpm</c>). <c>message</c> is the marshalled TPMS_ATTEST,
/// <c>signature</c> the bare RSASSA-PKCS1-v1_5/SHA-256 signature over it by the HCLAkPub, <c>pcrs</c> SHA-256 PCRs 0..23,
/// <c>vcek</c> DER. The quote's extraData is the runtime-data hash (unpadded) and, from version 2, the HCL runtime
/// claims' <c>user-data</c> starts with it.
/// </summary>
public sealed record TrusteeAzVtpmEvidence
{
    /// <summary>The Request's <c>tee</c> for Azure SNP CVM evidence.</summary>
    public const string SnpTee = "az-snp-vtpm";

    /// <summary>The Request's <c>tee</c> for Azure TDX CVM evidence.</summary>
    public const string TdxTee = "az-tdx-vtpm";

    /// <summary>The evidence version this writes (and the only one the broker reads: 0 and 1 do not bind user-data).</summary>
    public const int Version = 2;

    private const string EcPublicKeyOid = "1.2.840.10045.2.1";

    private const int SignatureHeaderSize = 6; // sigAlg ‖ hashAlg ‖ size of the TPM2B

    /// <summary>The raw HCL report (NV index 0x01400001).</summary>
    public required byte[] HclReport { get; init; }

    /// <summary>The marshalled TPMS_ATTEST of the quote.</summary>
    public required byte[] Message { get; init; }

    /// <summary>The bare RSA signature over <see cref="Message"/>.</summary>
    public required byte[] Signature { get; init; }

    /// <summary>SHA-256 PCRs 0..23, in order.</summary>
    public required IReadOnlyList<byte[]> Pcrs { get; init; }

    /// <summary>The VCEK, DER (<c>az-snp-vtpm</c>); null for TDX.</summary>
    public byte[]? Vcek { get; init; }

    /// <summary>The TD quote for the TDREPORT inside the HCL report (<c>az-tdx-vtpm</c>); null for SNP.</summary>
    public byte[]? TdQuote { get; init; }

    /// <summary>The <c>tee</c> this evidence is for.</summary>
    public string Tee => TdQuote is null ? SnpTee : TdxTee;

    /// <summary>The quote as a <see cref="TpmQuote"/> (the signature marshalled as TPMT_SIGNATURE RSASSA/SHA-256, as Trustee checks it).</summary>
    public TpmQuote ToTpmQuote()
    {
        byte[] marshalled = new byte[SignatureHeaderSize + Signature.Length];
        BinaryPrimitives.WriteUInt16BigEndian(marshalled, TpmSignature.AlgRsaSsa);
        BinaryPrimitives.WriteUInt16BigEndian(marshalled.AsSpan(2), TpmPcrSelection.AlgSha256);
        BinaryPrimitives.WriteUInt16BigEndian(marshalled.AsSpan(4), checked((ushort)Signature.Length));
        Signature.CopyTo(marshalled, SignatureHeaderSize);
        return new TpmQuote(Message, TpmSignature.Parse(marshalled));
    }

    /// <summary>The evidence JSON.</summary>
    public JsonObject ToJson()
    {
        var pcrs = new JsonArray();
        foreach (byte[] p in Pcrs) pcrs.Add((JsonNode)Convert.ToHexStringLower(p));
        return new JsonObject
        {
            ["version"] = Version,
            ["tpm_quote"] = new JsonObject
            {
                ["signature"] = Convert.ToHexStringLower(Signature),
                ["message"] = Convert.ToHexStringLower(Message),
                ["pcrs"] = pcrs,
            },
            ["hcl_report"] = Base64UrlPadded(HclReport),
            [TdQuote is null ? "vcek" : "td_quote"] = Base64UrlPadded(TdQuote ?? Vcek ?? throw new InvalidOperationException("neither vcek nor td_quote")),
        };
    }

    /// <summary>Trustee's form of Azure vTPM evidence the attester collected.</summary>
    /// <exception cref="AttestationException">The evidence cannot be expressed as Trustee evidence (quote algorithm, PCRs, no VCEK).</exception>
    public static TrusteeAzVtpmEvidence FromAzureVtpm(AzureVtpmEvidence evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        var quote = evidence.Quote ?? throw new AttestationException("the Azure evidence has no TPM quote");
        var signature = quote.Signature;
        if (signature.SignatureAlgorithm != TpmSignature.AlgRsaSsa || signature.HashAlgorithm != TpmPcrSelection.AlgSha256)
            throw new AttestationException("Trustee Azure vTPM evidence needs an RSASSA/SHA-256 quote (what Trustee verifies); the attestation key signs otherwise");
        if (!(evidence.PcrSelection?.Pcrs ?? []).SequenceEqual(Enumerable.Range(0, TpmPcrSelection.PcrCount)))
            throw new AttestationException("Trustee Azure vTPM evidence carries SHA-256 PCRs 0..23; another PCR selection is configured");
        byte[][] pcrs = [.. evidence.Pcrs ?? []];
        if (evidence.TdQuote is { } td)
            return new TrusteeAzVtpmEvidence { HclReport = evidence.HclReport, Message = quote.Attest, Signature = signature.Value, Pcrs = pcrs, TdQuote = td };
        // The VCEK is the chain's one EC key (ASK and ARK are RSA).
        var vcek = evidence.Certificates.FirstOrDefault(c => c.PublicKey.Oid.Value == EcPublicKeyOid)
            ?? throw new AttestationException("the Azure evidence has no VCEK certificate for Trustee's az-snp-vtpm evidence");
        return new TrusteeAzVtpmEvidence { HclReport = evidence.HclReport, Message = quote.Attest, Signature = signature.Value, Pcrs = pcrs, Vcek = vcek.RawData };
    }

    /// <summary>Reads version-2 evidence for <paramref name="tee"/> (<see cref="SnpTee"/> or <see cref="TdxTee"/>).</summary>
    /// <exception cref="AttestationException">Not Trustee v2 evidence of that kind, with what is wrong.</exception>
    public static TrusteeAzVtpmEvidence Parse(JsonElement evidence, string tee = SnpTee)
    {
        bool tdx = tee == TdxTee;
        try
        {
            int version = evidence.GetProperty("version").GetInt32();
            if (version != Version)
                throw new FormatException($"version {version}: only version 2 binds runtime data through the HCL user-data");
            var quote = evidence.GetProperty("tpm_quote");
            return new TrusteeAzVtpmEvidence
            {
                HclReport = FromBase64Url(Str(evidence, "hcl_report")),
                Vcek = tdx ? null : FromBase64Url(Str(evidence, "vcek")),
                TdQuote = tdx ? FromBase64Url(Str(evidence, "td_quote")) : null,
                Message = Convert.FromHexString(Str(quote, "message")),
                Signature = Convert.FromHexString(Str(quote, "signature")),
                Pcrs = [.. quote.GetProperty("pcrs").EnumerateArray().Select(e => Convert.FromHexString(e.GetString() ?? throw new FormatException("a PCR is null")))],
            };
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new AttestationException($"primary_evidence is not Trustee {tee} evidence (version 2, tpm_quote, hcl_report, {(tdx ? "td_quote" : "vcek")}): {e.Message}", e);
        }
    }

    private static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) ? v.GetString() ?? throw new FormatException($"\"{name}\" is null") : throw new FormatException($"\"{name}\" is missing");

    /// <summary>True when <paramref name="evidence"/> has the shape of Trustee's Azure vTPM evidence (any version).</summary>
    public static bool LooksLike(JsonElement evidence) =>
        evidence.ValueKind == JsonValueKind.Object
        && ((evidence.TryGetProperty("hcl_report", out _) && evidence.TryGetProperty("tpm_quote", out _))
            || (evidence.TryGetProperty("report", out var r) && r.ValueKind == JsonValueKind.Array && evidence.TryGetProperty("quote", out var q) && q.ValueKind == JsonValueKind.Object));

    /// <summary>
    /// Reads Trustee Azure vTPM evidence of any version: 0 (no <c>version</c>; <c>az-snp-vtpm</c>: <c>{quote: {signature,
    /// message, pcrs} as byte arrays, report: bytes, vcek: PEM}</c>; <c>az-tdx-vtpm</c>: <c>{tpm_quote, hcl_report, td_quote}</c>
    /// as byte arrays), 1 and 2 (<see cref="Parse"/>'s form). SNP or TDX by whether a TD quote is present.
    /// </summary>
    /// <exception cref="AttestationException">The evidence is malformed; the message names what is missing.</exception>
    public static (TrusteeAzVtpmEvidence Evidence, int Version) ParseAnyVersion(JsonElement evidence)
    {
        if (evidence.TryGetProperty("version", out JsonElement v) && v.ValueKind == JsonValueKind.Number)
        {
            int version = v.GetInt32();
            if (version is not (1 or 2)) throw new AttestationException($"Trustee Azure vTPM evidence version {version} is not supported (0, 1, 2)");
            bool tdx = evidence.TryGetProperty("td_quote", out _);
            try
            {
                var quote = evidence.GetProperty("tpm_quote");
                return (new TrusteeAzVtpmEvidence
                {
                    HclReport = FromBase64Url(Str(evidence, "hcl_report")),
                    Vcek = tdx ? null : FromBase64Url(Str(evidence, "vcek")),
                    TdQuote = tdx ? FromBase64Url(Str(evidence, "td_quote")) : null,
                    Message = Convert.FromHexString(Str(quote, "message")),
                    Signature = Convert.FromHexString(Str(quote, "signature")),
                    Pcrs = [.. quote.GetProperty("pcrs").EnumerateArray().Select(e => Convert.FromHexString(e.GetString() ?? throw new FormatException("a PCR is null")))],
                }, version);
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
            {
                throw new AttestationException($"malformed Trustee {(tdx ? TdxTee : SnpTee)} evidence (version {version}): {e.Message}", e);
            }
        }
        try
        {
            bool tdx = evidence.TryGetProperty("td_quote", out _);
            JsonElement quote = tdx ? evidence.GetProperty("tpm_quote") : evidence.TryGetProperty("quote", out var q) ? q : throw new FormatException("\"quote\" is missing");
            return (new TrusteeAzVtpmEvidence
            {
                HclReport = Bytes(evidence, tdx ? "hcl_report" : "report"),
                Vcek = tdx ? null : System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(Str(evidence, "vcek")).RawData,
                TdQuote = tdx ? Bytes(evidence, "td_quote") : null,
                Message = Bytes(quote, "message"),
                Signature = Bytes(quote, "signature"),
                Pcrs = [.. quote.GetProperty("pcrs").EnumerateArray().Select(p => ByteArray(p, "a PCR"))],
            }, 0);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            throw new AttestationException($"malformed Trustee Azure vTPM evidence (version 0): {e.Message}", e);
        }
    }

    private static byte[] Bytes(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) ? ByteArray(v, name) : throw new FormatException($"\"{name}\" is missing");

    private static byte[] ByteArray(JsonElement v, string what) =>
        v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray().Select(b => b.GetByte())] : throw new FormatException($"{what} is not an array of bytes");

    // serde_with's Base64<UrlSafe> reads either; it writes padded.
    private static byte[] FromBase64Url(string text)
    {
        string b64 = text.TrimEnd('=').Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(b64 + new string('=', (4 - b64.Length % 4) % 4));
    }

    // serde_with's Base64<UrlSafe> (padded by default).
    private static string Base64UrlPadded(byte[] data) => Convert.ToBase64String(data).Replace('+', '-').Replace('/', '_');
}
