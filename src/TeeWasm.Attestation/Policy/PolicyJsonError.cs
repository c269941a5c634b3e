using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace TeeWasm.Attestation.Policy;

/// <summary>
/// Rewords System.Text.Json's errors for a policy file: walks the error's JSON path through the policy's type metadata
/// to name the key, the keys allowed beside it, and the kind of value expected there.
/// </summary>
internal static partial class PolicyJsonError
{
    public static PolicyException Describe(JsonException e, JsonTypeInfo root)
    {
        string line = e.LineNumber is long l ? $" (line {l + 1})" : "";
        if (e.InnerException?.GetType().Name == "JsonReaderException")
            return new PolicyException($"not valid JSON at line {e.LineNumber + 1}, column {e.BytePositionInLine + 1}: {WithoutPosition(e.Message)}", e);

        JsonTypeInfo? info = root;
        string key = "";
        foreach (Match segment in PathSegment().Matches(e.Path ?? "$"))
        {
            if (info is null) break;
            string name = segment.Groups["name"].Success ? segment.Groups["name"].Value
                : segment.Groups["quoted"].Success ? segment.Groups["quoted"].Value.Replace("''", "'", StringComparison.Ordinal)
                : "";
            switch (info.Kind)
            {
                case JsonTypeInfoKind.Object:
                    JsonPropertyInfo? property = info.Properties.FirstOrDefault(p => p.Name == name);
                    if (property is null)
                    {
                        string[] known = [.. info.Properties.Select(p => Dotted(key, p.Name))];
                        return new PolicyException($"unknown key '{Dotted(key, name)}'{line}", Dotted(key, name), known, e);
                    }
                    key = Dotted(key, name);
                    info = root.Options.GetTypeInfo(property.PropertyType);
                    break;
                case JsonTypeInfoKind.Dictionary:
                    key = Dotted(key, name);
                    info = info.ElementType is { } valueType ? root.Options.GetTypeInfo(valueType) : null;
                    break;
                case JsonTypeInfoKind.Enumerable:
                    key += $"[{segment.Groups["index"].Value}]";
                    info = info.ElementType is { } elementType ? root.Options.GetTypeInfo(elementType) : null;
                    break;
                default:
                    info = null;
                    break;
            }
        }
        // A custom converter's own message (no .NET type in it) is kept; anything else is said from the expected type.
        if (e.GetType() != typeof(JsonException)) return new PolicyException(key.Length > 0 ? $"{key}: {e.Message}" : e.Message, e);
        string where = key.Length > 0 ? key : "the policy";
        return info is not null
            ? new PolicyException($"{where}: expected {Expected(info)}{line}", e)
            : new PolicyException($"{where}: invalid value{line}", e);
    }

    private static string Dotted(string parent, string name) => parent.Length == 0 ? name : parent + "." + name;

    private static string Expected(JsonTypeInfo info)
    {
        Type type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(string)) return "a string";
        if (type == typeof(int) || type == typeof(long) || type == typeof(uint) || type == typeof(ulong) || type == typeof(short) || type == typeof(byte))
            return "a whole number";
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return "a number";
        return info.Kind switch
        {
            JsonTypeInfoKind.Enumerable => info.ElementType == typeof(string) ? "an array of strings" : "an array",
            JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary => "an object",
            _ => "a different kind of value",
        };
    }

    /// <summary>The reader's message without System.Text.Json's " Path: $ | LineNumber: 2 | BytePositionInLine: 0." tail.</summary>
    private static string WithoutPosition(string message)
    {
        int at = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (at >= 0 ? message[..at] : message).Trim().TrimEnd('.');
    }

    [GeneratedRegex(@"\.(?<name>[^.\[]+)|\['(?<quoted>(?:[^']|'')*)'\]|\[(?<index>\d+)\]")]
    private static partial Regex PathSegment();
}
