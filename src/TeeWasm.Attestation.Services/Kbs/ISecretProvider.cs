using System.Text.Json;

namespace TeeWasm.Attestation.Services.Kbs;

/// <summary>Hands out secrets by name to the guest, after the host's attestation passed the broker's policy.</summary>
public interface ISecretProvider
{
    /// <summary>Gets the secret <paramref name="name"/> (<c>repository/type/tag</c>, or a bare tag for <c>default/secret/tag</c>). Never throws.</summary>
    SecretResult GetSecret(string name);
}

/// <summary>The outcome of a secret request, as <c>get_secret</c> returns it.</summary>
public sealed record SecretResult
{
    /// <summary>True when the secret was released.</summary>
    public required bool Success { get; init; }
    /// <summary>The name asked for.</summary>
    public required string Name { get; init; }
    /// <summary>The secret, or null.</summary>
    public byte[]? Secret { get; init; }
    /// <summary>Why not, or null.</summary>
    public string? Error { get; init; }

    /// <summary>A refusal.</summary>
    public static SecretResult Failure(string name, string error) => new() { Success = false, Name = name, Error = error };

    /// <summary><c>{"success":true,"name":…,"secret":"base64","length":N}</c> or <c>{"success":false,"name":…,"error":…}</c>.</summary>
    public byte[] ToJsonUtf8()
    {
        using var buffer = new MemoryStream(128);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteBoolean("success", Success);
            w.WriteString("name", Name);
            if (Success && Secret is not null)
            {
                w.WriteString("secret", Convert.ToBase64String(Secret));
                w.WriteNumber("length", Secret.Length);
            }
            else
            {
                w.WriteString("error", Error ?? "secret not released");
            }
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}

/// <summary>The provider when no key broker is configured: every request fails saying so.</summary>
public sealed class NoSecretProvider : ISecretProvider
{
    /// <summary>The shared instance.</summary>
    public static NoSecretProvider Instance { get; } = new();

    private NoSecretProvider() { }

    /// <inheritdoc />
    public SecretResult GetSecret(string name) => SecretResult.Failure(name, "no key broker configured (tee-wasm run --kbs URL)");
}
