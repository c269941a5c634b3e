using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TeeWasm.Attestation.Evidence;

/// <summary>
/// The evidence JSON (the <c>evidence</c> of an attestation result: what the guest ABI returns, what <c>tee-wasm attest</c>
/// writes, what the key broker receives): the only code that parses or writes it. Writing: <see cref="Write"/> has the
/// evidence write its members through a <see cref="Writer"/> and appends its <c>binding</c>. Reading: <see cref="Parse(string)"/>,
/// then typed member access (<see cref="GetString"/>, <see cref="GetBase64"/>, <see cref="GetBinding"/>…) by the platform's
/// <see cref="IEvidenceReader"/>. The format, member by member, is in docs/attestation-abi.md.
/// </summary>
public sealed class EvidenceDocument
{
    private static readonly JsonWriterOptions s_writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonWriterOptions s_indented = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = true };
    private readonly JsonElement _root;

    private EvidenceDocument(JsonElement root) => _root = root;

    /// <summary>Parses evidence JSON (or any JSON object whose members are read the same way).</summary>
    /// <exception cref="JsonException">Not JSON.</exception>
    /// <exception cref="AttestationException">JSON, but not an object.</exception>
    public static EvidenceDocument Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return FromElement(doc.RootElement);
    }

    /// <summary>Parses UTF-8 evidence JSON.</summary>
    /// <exception cref="JsonException">Not JSON (or not UTF-8).</exception>
    /// <exception cref="AttestationException">JSON, but not an object.</exception>
    public static EvidenceDocument Parse(ReadOnlyMemory<byte> utf8)
    {
        if (Utf8Error(utf8.Span) is { } error) throw new JsonException(error);
        using var doc = JsonDocument.Parse(utf8);
        return FromElement(doc.RootElement);
    }

    /// <summary>Parses UTF-8 JSON that is an object or an array of objects; null when it is not JSON or has another shape.</summary>
    public static IReadOnlyList<EvidenceDocument>? TryParseObjects(ReadOnlyMemory<byte> utf8, out bool isArray) =>
        TryParseObjects(utf8, out isArray, out _);

    /// <summary>
    /// Parses UTF-8 JSON that is an object or an array of objects; null when it is not JSON (<paramref name="syntaxError"/>
    /// says why) or has another shape.
    /// </summary>
    public static IReadOnlyList<EvidenceDocument>? TryParseObjects(ReadOnlyMemory<byte> utf8, out bool isArray, out string? syntaxError)
    {
        isArray = false;
        syntaxError = Utf8Error(utf8.Span);
        if (syntaxError is not null) return null;
        try
        {
            using var doc = JsonDocument.Parse(utf8);
            JsonElement root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object) return [new EvidenceDocument(root.Clone())];
            if (root.ValueKind != JsonValueKind.Array) return null;
            isArray = true;
            var items = new List<EvidenceDocument>();
            foreach (JsonElement e in root.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.Object) return null;
                items.Add(new EvidenceDocument(e.Clone()));
            }
            return items;
        }
        catch (JsonException e)
        {
            syntaxError = e.Message;
            return null;
        }
    }

    /// <summary>
    /// Why <paramref name="utf8"/> is not UTF-8, or null when it is. The JSON reader checks the encoding of a string only
    /// when the string is read, so a member read later would throw <see cref="InvalidOperationException"/>: checked first.
    /// </summary>
    private static string? Utf8Error(ReadOnlySpan<byte> utf8)
    {
        if (System.Text.Unicode.Utf8.IsValid(utf8)) return null;
        int at = 0;
        while (Rune.DecodeFromUtf8(utf8[at..], out _, out int length) == System.Buffers.OperationStatus.Done) at += length;
        return $"not valid UTF-8 (byte {at})";
    }

    private static EvidenceDocument FromElement(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object ? new EvidenceDocument(root.Clone()) : throw new AttestationException("evidence is not a JSON object");

    /// <summary>The <c>tee_type</c> member ("AMD_SEV_SNP", "TDX", "NVIDIA_GPU", or an ABI name), or null.</summary>
    public string? TeeType => GetString("tee_type");

    /// <summary>The <c>source</c> member, or null.</summary>
    public string? Source => GetString("source");

    /// <summary>True when the document says <c>"simulated": true</c>.</summary>
    public bool Simulated => IsTrue("simulated");

    /// <summary>True when the member exists (whatever its value).</summary>
    public bool Has(string name) => _root.TryGetProperty(name, out _);

    /// <summary>True when the member is JSON null or absent.</summary>
    public bool IsNullOrAbsent(string name) => !_root.TryGetProperty(name, out var v) || v.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    /// <summary>The member as a string; null when absent or not a string.</summary>
    public string? GetString(string name) =>
        _root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The member as a string.</summary>
    /// <exception cref="KeyNotFoundException">Absent.</exception>
    /// <exception cref="InvalidOperationException">Not a string (or null).</exception>
    public string RequireString(string name) =>
        _root.GetProperty(name).GetString() ?? throw new InvalidOperationException($"\"{name}\" is null");

    /// <summary>True when the member is JSON true.</summary>
    public bool IsTrue(string name) => _root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    /// <summary>The member as a 64-bit integer; null when absent or not one.</summary>
    public long? GetInt64(string name) => _root.TryGetProperty(name, out var v) && v.TryGetInt64(out long n) ? n : null;

    /// <summary>The base64 string member, decoded; null when absent or not a string.</summary>
    /// <exception cref="FormatException">Not base64.</exception>
    public byte[]? GetBase64(string name) => GetString(name) is { } s ? Convert.FromBase64String(s) : null;

    /// <summary>The hex string member, decoded; null when absent or not a string.</summary>
    /// <exception cref="FormatException">Not hex.</exception>
    public byte[]? GetHex(string name) => GetString(name) is { } s ? Convert.FromHexString(s) : null;

    /// <summary>The members of an array of strings; null when absent or not an array.</summary>
    /// <exception cref="InvalidOperationException">An element is not a string.</exception>
    public IReadOnlyList<string?>? GetStrings(string name) =>
        _root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray().Select(e => e.GetString())] : null;

    /// <summary>The members of an array of integers; null when absent or not an array.</summary>
    /// <exception cref="FormatException">An element is not a 32-bit integer.</exception>
    /// <exception cref="InvalidOperationException">An element is not a number.</exception>
    public IReadOnlyList<int>? GetInt32s(string name) =>
        _root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray().Select(e => e.GetInt32())] : null;

    /// <summary>The member when it is an object; null otherwise.</summary>
    public EvidenceDocument? GetObject(string name) =>
        _root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? new EvidenceDocument(v) : null;

    /// <summary>The members of an array of objects; null when absent or not an array.</summary>
    /// <exception cref="AttestationException">An element is not an object.</exception>
    public IReadOnlyList<EvidenceDocument>? GetObjects(string name) =>
        _root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? [.. v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Object ? new EvidenceDocument(e)
                : throw new AttestationException($"\"{name}\" holds a {e.ValueKind.ToString().ToLowerInvariant()} where an object belongs"))]
            : null;

    /// <summary>The member as a boolean; null when absent or not a boolean.</summary>
    public bool? GetBoolean(string name) =>
        _root.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    /// <summary>The names of the document's members, in document order.</summary>
    public IEnumerable<string> MemberNames => _root.EnumerateObject().Select(p => p.Name);

    /// <summary>The document as compact JSON text, as it was read.</summary>
    public string RawJson => _root.GetRawText();

    /// <summary>The RFC 8785 canonical UTF-8 form of the document (<see cref="JsonCanonicalizer"/>): what TeeWasm hashes and signs.</summary>
    /// <exception cref="AttestationException">It holds a number that is not an integer of at most 2^53.</exception>
    public byte[] Canonical() => JsonCanonicalizer.Serialize(_root);

    /// <summary>The string member parsed as JSON (an attestation result's <c>evidence</c> is evidence JSON in a string).</summary>
    /// <exception cref="JsonException">The string is not JSON.</exception>
    /// <exception cref="AttestationException">It is JSON, but not an object.</exception>
    public EvidenceDocument? GetEmbedded(string name) => GetString(name) is { } json ? Parse(json) : null;

    /// <summary>True when the document records a <c>binding</c> object.</summary>
    public bool HasBinding => GetObject("binding") is not null;

    /// <summary>
    /// Reads and checks the <c>binding</c> object (<see cref="VmBinding.Create"/>): known scheme, consistent runtime data,
    /// <see cref="VmBinding.ReportData"/> recomputed. Whether a report carries that report_data is the verifier's check.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The document has no <c>binding</c>.</exception>
    /// <exception cref="AttestationException">The binding is malformed or inconsistent; the message says how.</exception>
    public VmBinding GetBinding() => ReadBinding(_root.GetProperty("binding"));

    /// <summary>The <c>binding</c> object of JSON text <c>{"scheme", "module_sha256", …}</c> (see <see cref="GetBinding"/>).</summary>
    /// <exception cref="AttestationException">Malformed or inconsistent.</exception>
    public static VmBinding ParseBinding(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return ReadBinding(doc.RootElement);
    }

    private static VmBinding ReadBinding(JsonElement b)
    {
        if (b.ValueKind != JsonValueKind.Object) throw new AttestationException("binding is not a JSON object");
        bool schemeIsString = !b.TryGetProperty("scheme", out var s) || s.ValueKind == JsonValueKind.String;
        string? Str(JsonElement o, string n) => o.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        VmBinding.ItaNonceFields? ita = b.TryGetProperty("ita_nonce", out var n) && n.ValueKind == JsonValueKind.Object
            ? new VmBinding.ItaNonceFields(Str(n, "val"), Str(n, "iat"), Str(n, "signature"))
            : null;
        WorkloadIdentity? workload = b.TryGetProperty("workload", out var wl) && wl.ValueKind != JsonValueKind.Null
            ? (wl.ValueKind == JsonValueKind.Object ? WorkloadDocument.Read(new EvidenceDocument(wl)) : throw new AttestationException("binding workload is not a JSON object"))
            : null;
        return VmBinding.Create(new VmBinding.Fields(schemeIsString, Str(b, "scheme"), Str(b, "module_sha256"), Str(b, "host_key"), Str(b, "nonce"),
            Str(b, "runtime_data"), ita) { WorkloadSha256 = Str(b, "workload_sha256"), Workload = workload });
    }

    /// <summary>The document as a JSON node, to embed it in a protocol message (the key broker's <c>tee-evidence</c>).</summary>
    public JsonNode ToJsonNode() => JsonNode.Parse(_root.GetRawText())!;

    /// <summary>The evidence JSON of <paramref name="evidence"/>: its members, then <c>binding</c> when it has one.</summary>
    public static string Write(AttestationEvidence evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        return WriteObject(w =>
        {
            evidence.WriteTo(new Writer(w));
            if (evidence.Binding is { } b) WriteBinding(w, b);
        });
    }

    /// <summary>Evidence JSON with its <c>binding</c> replaced or added (for tools and tests that hold JSON, not typed evidence).</summary>
    /// <exception cref="JsonException">Not JSON.</exception>
    public static string WithBinding(string evidenceJson, VmBinding binding) =>
        WithMembers(evidenceJson, w => WriteBinding(w, binding));

    /// <summary>
    /// Evidence JSON with a TeeWasm-scheme <c>binding</c> of these inputs, written member by member as TeeWasm always
    /// wrote it (independently of <see cref="VmBinding"/>, which tests compare with it).
    /// </summary>
    public static string WithBinding(string evidenceJson, ReadOnlySpan<byte> moduleHash, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> nonce)
    {
        string module = Convert.ToHexStringLower(moduleHash), key = Convert.ToHexStringLower(hostKey), n = Convert.ToHexStringLower(nonce);
        return WithMembers(evidenceJson, w =>
        {
            w.WriteStartObject("binding");
            w.WriteString("scheme", BindingSchemeNames.TeeWasmFormula);
            w.WriteString("module_sha256", module);
            w.WriteString("host_key", key);
            w.WriteString("nonce", n);
            w.WriteEndObject();
        });
    }

    private static string WithMembers(string evidenceJson, Action<Utf8JsonWriter> binding)
    {
        using var doc = JsonDocument.Parse(evidenceJson);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new AttestationException("evidence is not a JSON object");
        JsonElement root = doc.RootElement;
        return WriteObject(w =>
        {
            foreach (JsonProperty p in root.EnumerateObject())
            {
                if (p.NameEquals("binding")) continue;
                p.WriteTo(w);
            }
            binding(w);
        });
    }

    /// <summary>The <c>binding</c> object of <paramref name="binding"/> as JSON text, as the evidence records it.</summary>
    public static string BindingJson(VmBinding binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        using var buffer = new MemoryStream(512);
        using (var w = new Utf8JsonWriter(buffer, s_writer)) WriteBindingMembers(w, binding);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteBinding(Utf8JsonWriter w, VmBinding b)
    {
        w.WritePropertyName("binding");
        WriteBindingMembers(w, b);
    }

    private static void WriteBindingMembers(Utf8JsonWriter w, VmBinding b)
    {
        w.WriteStartObject();
        w.WriteString("scheme", b.Scheme.ToName());
        w.WriteString("module_sha256", Convert.ToHexStringLower(b.ModuleHash));
        w.WriteString("host_key", Convert.ToHexStringLower(b.HostKey));
        w.WriteString("nonce", Convert.ToHexStringLower(b.Nonce));
        if (b.WorkloadSha256 is { } workload) w.WriteString("workload_sha256", Convert.ToHexStringLower(workload));
        if (b.RuntimeData is { } rd) w.WriteString("runtime_data", Convert.ToBase64String(rd));
        if (b.ItaNonce is { } n)
        {
            w.WriteStartObject("ita_nonce");
            w.WriteString("val", n.Val);
            w.WriteString("iat", n.Iat);
            w.WriteString("signature", n.Signature);
            w.WriteEndObject();
        }
        if (b.Workload is { } document)
        {
            w.WriteStartObject("workload");
            WorkloadDocument.Write(new Writer(w), document);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    /// <summary>A JSON object whose members <paramref name="members"/> writes (TeeWasm's own documents: workload, receipt, bundle).</summary>
    public static string WriteDocument(Action<Writer> members, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(members);
        return WriteObject(w => members(new Writer(w)), indented);
    }

    private static string WriteObject(Action<Utf8JsonWriter> members, bool indented = false)
    {
        using var buffer = new MemoryStream(4096);
        using (var w = new Utf8JsonWriter(buffer, indented ? s_indented : s_writer))
        {
            w.WriteStartObject();
            members(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes the members of one evidence object, in the order they are written (platform records use it).</summary>
    public sealed class Writer
    {
        private readonly Utf8JsonWriter _w;

        internal Writer(Utf8JsonWriter writer) => _w = writer;

        /// <summary>A string member; null writes JSON null.</summary>
        public void String(string name, string? value)
        {
            if (value is null) _w.WriteNull(name);
            else _w.WriteString(name, value);
        }

        /// <summary>A boolean member.</summary>
        public void Boolean(string name, bool value) => _w.WriteBoolean(name, value);

        /// <summary>A number member.</summary>
        public void Number(string name, long value) => _w.WriteNumber(name, value);

        /// <summary>Bytes as a base64 string member.</summary>
        public void Base64(string name, ReadOnlySpan<byte> value) => _w.WriteString(name, Convert.ToBase64String(value));

        /// <summary>Bytes as a lower-case hex string member.</summary>
        public void Hex(string name, ReadOnlySpan<byte> value) => _w.WriteString(name, Convert.ToHexStringLower(value));

        /// <summary>An array of numbers.</summary>
        public void Numbers(string name, IEnumerable<long> values)
        {
            _w.WriteStartArray(name);
            foreach (long v in values) _w.WriteNumberValue(v);
            _w.WriteEndArray();
        }

        /// <summary>An array of strings.</summary>
        public void Strings(string name, IEnumerable<string> values)
        {
            _w.WriteStartArray(name);
            foreach (string v in values) _w.WriteStringValue(v);
            _w.WriteEndArray();
        }

        /// <summary>Certificates as an array of PEM strings, in order.</summary>
        public void Certificates(string name, IEnumerable<X509Certificate2> certificates) =>
            Strings(name, certificates.Select(c => c.ExportCertificatePem()));

        /// <summary>A nested object.</summary>
        public void Object(string name, Action<Writer> members)
        {
            _w.WriteStartObject(name);
            members(this);
            _w.WriteEndObject();
        }

        /// <summary>An array of objects.</summary>
        public void Objects<T>(string name, IEnumerable<T> items, Action<Writer, T> members)
        {
            _w.WriteStartArray(name);
            foreach (T item in items)
            {
                _w.WriteStartObject();
                members(this, item);
                _w.WriteEndObject();
            }
            _w.WriteEndArray();
        }

        /// <summary>A JSON null member.</summary>
        public void Null(string name) => _w.WriteNull(name);

        /// <summary>A member whose value is a document read before, written as it was read.</summary>
        public void Document(string name, EvidenceDocument document)
        {
            _w.WritePropertyName(name);
            document._root.WriteTo(_w);
        }

        /// <summary>An array of documents read before, each written as it was read.</summary>
        public void Documents(string name, IEnumerable<EvidenceDocument> documents)
        {
            _w.WriteStartArray(name);
            foreach (EvidenceDocument d in documents) d._root.WriteTo(_w);
            _w.WriteEndArray();
        }

        /// <summary>A member whose value is JSON text from elsewhere (a verifier's claims), re-written compactly; null writes JSON null.</summary>
        /// <exception cref="JsonException"><paramref name="json"/> is not JSON.</exception>
        public void Json(string name, string? json)
        {
            if (json is null)
            {
                _w.WriteNull(name);
                return;
            }
            using var doc = JsonDocument.Parse(json);
            _w.WritePropertyName(name);
            doc.RootElement.WriteTo(_w);
        }
    }
}
