using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Tokens;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Bundles;

/// <summary>A bundle as read from its file: the bundle, its signature, the exact signed member, and any piece whose recorded digest does not match its data.</summary>
/// <param name="Bundle">The bundle.</param>
/// <param name="Signature">The host key's signature.</param>
/// <param name="Signed">The <c>bundle</c> member as read (its canonical form is what was signed).</param>
/// <param name="ChangedPieces">Collateral whose <c>sha256</c> is not that of its <c>data</c>, as "kind 'name'".</param>
public sealed record SignedBundle(AttestationBundle Bundle, HostKeySignature Signature, EvidenceDocument Signed, IReadOnlyList<string> ChangedPieces);

/// <summary>
/// The bundle file (docs/bundles.md, docs/schemas/bundle.schema.json): <c>{"bundle":{"format","created","evidence":{…},
/// "collateral":[{"kind","name","source","sha256","data"}…]},"signature":{"alg":"ES256","host_key","value"}}</c>; the
/// signature is over the RFC 8785 canonical form of <c>bundle</c>, the data base64.
/// </summary>
public static class BundleDocument
{
    /// <summary>Signs <paramref name="bundle"/> with the attested host key and writes the file's JSON.</summary>
    public static string Sign(AttestationBundle bundle, HostAttestationKey key)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(key);
        EvidenceDocument body = EvidenceDocument.Parse(EvidenceDocument.WriteDocument(w => Write(w, bundle)));
        HostKeySignature signature = HostKeySignature.Sign(key, body.Canonical());
        return EvidenceDocument.WriteDocument(w =>
        {
            w.Document("bundle", body);
            w.Object("signature", signature.WriteTo);
        }, indented: true);
    }

    private static void Write(EvidenceDocument.Writer w, AttestationBundle b)
    {
        w.String("format", AttestationBundle.Format);
        w.String("created", b.Created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        w.Document("evidence", b.Evidence);
        w.Objects("collateral", b.Collateral.Items, (c, item) =>
        {
            c.String("kind", CollateralSet.KindName(item.Kind));
            c.String("name", item.Name);
            c.String("source", item.Source);
            if (item.NextUpdate is { } next) c.String("next_update", next.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            c.Hex("sha256", SHA256.HashData(item.Body));
            c.Base64("data", item.Body);
        });
    }

    /// <summary>True when <paramref name="document"/> is a bundle file (it has a <c>bundle</c> of this format).</summary>
    public static bool IsBundle(EvidenceDocument document) =>
        document.GetObject("bundle")?.GetString("format") == AttestationBundle.Format;

    /// <summary>Reads a bundle file.</summary>
    /// <exception cref="AttestationException">Not a bundle; the message says what is wrong.</exception>
    public static SignedBundle Parse(ReadOnlyMemory<byte> utf8)
    {
        EvidenceDocument root;
        try
        {
            root = EvidenceDocument.Parse(utf8);
        }
        catch (JsonException e)
        {
            throw new AttestationException("bundle is not JSON: " + e.Message, e);
        }
        EvidenceDocument body = root.GetObject("bundle") ?? throw Bad("has no \"bundle\" object");
        EvidenceDocument signature = root.GetObject("signature") ?? throw Bad("has no \"signature\" object");
        if (body.GetString("format") is var format && format != AttestationBundle.Format) throw Bad($"format '{format}' is not {AttestationBundle.Format}");
        var items = new List<CollateralItem>();
        var changed = new List<string>();
        try
        {
            foreach (EvidenceDocument c in body.GetObjects("collateral") ?? throw Bad("has no \"collateral\" array"))
            {
                string kindName = c.GetString("kind") ?? throw Bad("a collateral entry has no \"kind\"");
                if (!CollateralSet.TryParseKind(kindName, out CollateralKind kind)) throw Bad($"collateral kind '{kindName}' is unknown");
                string name = c.GetString("name") ?? throw Bad("a collateral entry has no \"name\"");
                byte[] data = c.GetBase64("data") ?? throw Bad($"collateral {kindName} '{name}' has no \"data\"");
                byte[] sha = c.GetHex("sha256") ?? throw Bad($"collateral {kindName} '{name}' has no \"sha256\"");
                if (!SHA256.HashData(data).AsSpan().SequenceEqual(sha)) changed.Add($"{kindName} '{name}'");
                DateTimeOffset? next = DateTimeOffset.TryParse(c.GetString("next_update"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var n) ? n : null;
                items.Add(CollateralItem.Local(kind, name, data, c.GetString("source") ?? "") with { NextUpdate = next });
            }
            DateTimeOffset created = DateTimeOffset.TryParse(body.GetString("created"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
                ? t : throw Bad("\"created\" is not a date-time");
            var bundle = new AttestationBundle
            {
                Created = created,
                Evidence = body.GetObject("evidence") ?? throw Bad("has no \"evidence\" object"),
                Collateral = new CollateralSet(items),
            };
            return new SignedBundle(bundle, HostKeySignature.Read(signature), body, changed);
        }
        catch (FormatException)
        {
            throw Bad("has collateral whose data is not base64 or sha256 not hex");
        }
        catch (InvalidOperationException e)
        {
            throw Bad("has a member of the wrong type: " + e.Message);
        }
    }

    private static AttestationException Bad(string what) => new("bundle " + what);
}
