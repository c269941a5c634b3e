using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TeeWasm.Attestation.Evidence;

/// <summary>
/// RFC 8785 (JSON Canonicalization Scheme) for the JSON values whose hash is what counts: Trustee's runtime data (its
/// hash is report_data), TeeWasm's workload documents, receipts and bundle manifests. Object members sorted by their
/// UTF-16 code units, no whitespace, strings escaped minimally (<c>\"</c>, <c>\\</c>, <c>\b \f \n \r \t</c>, other
/// controls as <c>\u00xx</c>), and numbers that are integers of at most 2^53 in magnitude (none of these documents has
/// another kind; anything else is refused rather than guessed).
/// </summary>
public static class JsonCanonicalizer
{
    private const double MaxExactInteger = 9007199254740992d; // 2^53

    /// <summary>The canonical UTF-8 bytes of <paramref name="value"/>.</summary>
    /// <exception cref="AttestationException">A number that is not an exactly representable integer.</exception>
    public static byte[] Serialize(JsonElement value)
    {
        var sb = new StringBuilder(512);
        Write(sb, value);
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static void Write(StringBuilder sb, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                sb.Append('{');
                bool first = true;
                foreach (var member in value.EnumerateObject().OrderBy(m => m.Name, StringComparer.Ordinal))
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, member.Name);
                    sb.Append(':');
                    Write(sb, member.Value);
                }
                sb.Append('}');
                break;
            case JsonValueKind.Array:
                sb.Append('[');
                int i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (i++ > 0) sb.Append(',');
                    Write(sb, item);
                }
                sb.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(sb, value.GetString()!);
                break;
            case JsonValueKind.Number:
                if (!value.TryGetDouble(out double d) || Math.Floor(d) != d || Math.Abs(d) > MaxExactInteger)
                    throw new AttestationException($"JSON number {value.GetRawText()} is not an integer the canonical form can carry exactly");
                sb.Append(((long)d).ToString(CultureInfo.InvariantCulture));
                break;
            case JsonValueKind.True: sb.Append("true"); break;
            case JsonValueKind.False: sb.Append("false"); break;
            default: sb.Append("null"); break;
        }
    }

    private static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
