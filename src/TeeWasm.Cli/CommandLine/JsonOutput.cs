using System.Text.Encodings.Web;
using System.Text.Json;

namespace TeeWasm.Cli.CommandLine;

/// <summary>The <c>--json</c> output of every command: indented UTF-8 written with <see cref="Utf8JsonWriter"/> (no reflection), one document.</summary>
internal static class JsonOutput
{
    private static readonly JsonWriterOptions s_options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the document <paramref name="write"/> makes, then a newline.</summary>
    public static void Write(TextWriter output, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, s_options)) write(w);
        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>JSON text re-indented.</summary>
    public static string Pretty(ReadOnlySpan<byte> json)
    {
        using var doc = JsonDocument.Parse(json.ToArray());
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, s_options)) doc.RootElement.WriteTo(w);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A string member, or null.</summary>
    public static void StringOrNull(this Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, value);
    }
}
