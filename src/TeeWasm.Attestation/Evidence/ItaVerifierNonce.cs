namespace TeeWasm.Attestation.Evidence;

/// <summary>
/// A nonce Intel Trust Authority issued (<c>GET /appraisal/v1/nonce</c>): <c>val</c>, <c>iat</c> and <c>signature</c>,
/// each base64 as the service sent it. It goes back unchanged in the attest request.
/// </summary>
public sealed record ItaVerifierNonce(string Val, string Iat, string Signature)
{
    /// <summary>The decoded <c>val</c>.</summary>
    public byte[] ValBytes => Decode(Val, "val");

    /// <summary>The decoded <c>iat</c>.</summary>
    public byte[] IatBytes => Decode(Iat, "iat");

    private static byte[] Decode(string text, string name)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new AttestationException($"Intel Trust Authority nonce '{name}' is not base64");
        }
    }
}
