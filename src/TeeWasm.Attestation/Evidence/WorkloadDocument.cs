namespace TeeWasm.Attestation.Evidence;

/// <summary>
/// The JSON form of a <see cref="WorkloadIdentity"/> (docs/workload.md, docs/schemas/workload.schema.json):
/// <code>
/// {"format":"tee-wasm-workload/1","module_sha256":HEX,
///  "wasi":{"args":[…],"env":[{"name","value"}…],"preopens":[{"guest_path","access":"read-write"|"read-only"}…]},
///  "host":{"attestation","gpu","key_broker","key_broker_evidence","policy_sha256","require_attestation"},
///  "runtime":{"name","version"}}
/// </code>
/// The digest is SHA-256 of its RFC 8785 canonical form (<see cref="Canonical"/>), so any JCS implementation
/// reproduces it from the document. Reading is strict: the format, every member and its type are checked.
/// </summary>
public static class WorkloadDocument
{
    /// <summary>The <c>format</c> of this version of the document.</summary>
    public const string Format = "tee-wasm-workload/1";

    /// <summary>The canonical UTF-8 bytes whose SHA-256 is the workload digest.</summary>
    public static byte[] Canonical(WorkloadIdentity workload) => EvidenceDocument.Parse(ToJson(workload)).Canonical();

    /// <summary>The document as JSON text (members in the documented order; indented for people when asked).</summary>
    public static string ToJson(WorkloadIdentity workload, bool indented = false) =>
        EvidenceDocument.WriteDocument(w => Write(w, workload), indented);

    /// <summary>Writes the document's members.</summary>
    public static void Write(EvidenceDocument.Writer w, WorkloadIdentity workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        w.String("format", Format);
        w.Hex("module_sha256", workload.ModuleSha256);
        w.Object("wasi", wasi =>
        {
            wasi.Strings("args", workload.Arguments);
            wasi.Objects("env", workload.Environment, (e, kv) =>
            {
                e.String("name", kv.Key);
                e.String("value", kv.Value);
            });
            wasi.Objects("preopens", workload.Directories, (e, dir) =>
            {
                e.String("guest_path", dir.GuestPath);
                e.String("access", AccessName(dir.Access));
            });
        });
        WorkloadHost host = workload.Host;
        w.Object("host", h =>
        {
            h.String("attestation", host.Attestation);
            h.String("gpu", host.Gpu);
            h.String("key_broker", host.KeyBroker);
            h.String("key_broker_evidence", host.KeyBrokerEvidence);
            if (host.PolicySha256 is { } policy) h.Hex("policy_sha256", policy);
            else h.Null("policy_sha256");
            h.Boolean("require_attestation", host.RequireAttestation);
        });
        w.Object("runtime", r =>
        {
            r.String("name", workload.RuntimeName);
            r.String("version", workload.RuntimeVersion);
        });
    }

    /// <summary>Reads a workload document from JSON text.</summary>
    /// <exception cref="AttestationException">Not JSON, or not a workload document; the message says what is wrong.</exception>
    public static WorkloadIdentity Parse(string json)
    {
        try
        {
            return Read(EvidenceDocument.Parse(json));
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new AttestationException("workload document is not JSON: " + e.Message, e);
        }
    }

    /// <summary>Reads a workload document.</summary>
    /// <exception cref="AttestationException">Not a workload document; the message says what is wrong.</exception>
    public static WorkloadIdentity Read(EvidenceDocument d)
    {
        ArgumentNullException.ThrowIfNull(d);
        string format = d.GetString("format") ?? throw Bad("has no \"format\"");
        if (format != Format) throw Bad($"format '{format}' is not {Format}");
        byte[] module = Hex(d, "module_sha256") ?? throw Bad("has no \"module_sha256\" (hex)");
        if (module.Length != 32) throw Bad("module_sha256 is not 32 bytes");
        EvidenceDocument wasi = d.GetObject("wasi") ?? throw Bad("has no \"wasi\" object");
        EvidenceDocument host = d.GetObject("host") ?? throw Bad("has no \"host\" object");
        EvidenceDocument runtime = d.GetObject("runtime") ?? throw Bad("has no \"runtime\" object");
        try
        {
            return new WorkloadIdentity
            {
                ModuleSha256 = module,
                Arguments = [.. (wasi.GetStrings("args") ?? throw Bad("wasi has no \"args\" array")).Select(a => a ?? throw Bad("wasi.args holds a non-string"))],
                Environment = [.. (wasi.GetObjects("env") ?? throw Bad("wasi has no \"env\" array")).Select(e => new KeyValuePair<string, string>(
                    e.GetString("name") ?? throw Bad("a wasi.env entry has no \"name\""), e.GetString("value") ?? throw Bad("a wasi.env entry has no \"value\"")))],
                Directories = [.. (wasi.GetObjects("preopens") ?? throw Bad("wasi has no \"preopens\" array")).Select(p => new WorkloadDirectory(
                    p.GetString("guest_path") ?? throw Bad("a wasi.preopens entry has no \"guest_path\""),
                    ParseAccess(p.GetString("access"))))],
                Host = new WorkloadHost
                {
                    Attestation = host.GetString("attestation") ?? throw Bad("host has no \"attestation\""),
                    Gpu = host.GetString("gpu") ?? throw Bad("host has no \"gpu\""),
                    KeyBroker = Optional(host, "key_broker"),
                    KeyBrokerEvidence = Optional(host, "key_broker_evidence"),
                    PolicySha256 = host.IsNullOrAbsent("policy_sha256") ? null
                        : Hex(host, "policy_sha256") is { Length: 32 } p ? p : throw Bad("host.policy_sha256 is not 32 bytes of hex"),
                    RequireAttestation = host.GetBoolean("require_attestation") ?? throw Bad("host has no boolean \"require_attestation\""),
                },
                RuntimeName = runtime.GetString("name") ?? throw Bad("runtime has no \"name\""),
                RuntimeVersion = runtime.GetString("version") ?? throw Bad("runtime has no \"version\""),
            };
        }
        catch (InvalidOperationException e)
        {
            throw Bad("has a member of the wrong type: " + e.Message);
        }
    }

    /// <summary>"read-write" or "read-only".</summary>
    public static string AccessName(DirectoryAccess access) => access == DirectoryAccess.ReadOnly ? "read-only" : "read-write";

    private static DirectoryAccess ParseAccess(string? name) => name switch
    {
        "read-write" => DirectoryAccess.ReadWrite,
        "read-only" => DirectoryAccess.ReadOnly,
        _ => throw Bad($"preopen access '{name}' is neither read-write nor read-only"),
    };

    private static string? Optional(EvidenceDocument d, string name) =>
        d.IsNullOrAbsent(name) ? null : d.GetString(name) ?? throw Bad($"host.{name} is not a string");

    private static byte[]? Hex(EvidenceDocument d, string name)
    {
        try
        {
            return d.GetHex(name);
        }
        catch (FormatException)
        {
            throw Bad($"{name} is not hex");
        }
    }

    private static AttestationException Bad(string what) => new("workload document " + what);
}
