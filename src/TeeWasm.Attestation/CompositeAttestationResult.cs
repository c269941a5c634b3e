using System.Text;
using System.Text.Json;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation;

/// <summary>One device of a composite attestation: the VM or one GPU, with its own result.</summary>
public sealed record DeviceAttestation
{
    /// <summary>"VM" or "GPU i".</summary>
    public required string Device { get; init; }

    /// <summary>What it is.</summary>
    public required EvidenceSubject Subject { get; init; }

    /// <summary>The GPU's index; null for the VM.</summary>
    public int? GpuIndex { get; init; }

    /// <summary>The GPU's UUID as its collector states it, when known.</summary>
    public string? Uuid { get; init; }

    /// <summary>Its attestation.</summary>
    public required AttestationResult Result { get; init; }

    /// <summary>How messages name it: "VM", "GPU 1 (GPU-…)".</summary>
    public string Label => Uuid is null ? Device : $"{Device} ({Uuid})";
}

/// <summary>
/// One result for the confidential VM and every GPU (<see cref="Attester.AttestAll"/>, the guest's <c>attest_all</c>,
/// <c>tee-wasm attest all</c>): every report collected over one nonce and one host key (the VM's report_data is the
/// binding of module, host key, workload and nonce; each GPU report's nonce its first 32 bytes), one token with a claim
/// set per device, one verdict. A failure names the device that failed. Its JSON is the <see cref="AttestationResult"/>
/// shape (<c>success</c>, <c>token</c>, <c>evidence</c>, <c>error</c>, <c>timestamp</c>, <c>tee_type</c> "composite",
/// <c>simulated</c>) plus <c>devices</c>; <c>evidence</c> is the composite evidence JSON (docs/attestation-abi.md).
/// </summary>
public sealed record CompositeAttestationResult
{
    /// <summary>The <c>tee_type</c> of a composite result.</summary>
    public const string TeeTypeName = CompositeEvidence.ResultTeeTypeName;

    /// <summary>The <c>tee_type</c> of composite evidence JSON.</summary>
    public const string EvidenceTeeType = CompositeEvidence.TeeTypeName;

    /// <summary>True when the VM and every GPU verified.</summary>
    public required bool Success { get; init; }

    /// <summary>The composite token (a JWT), only when every device verified.</summary>
    public string? Token { get; init; }

    /// <summary>Why it failed, naming each device that failed; null on success.</summary>
    public string? Error { get; init; }

    /// <summary>When it was made, in Unix seconds.</summary>
    public required long Timestamp { get; init; }

    /// <summary>True when any device's evidence came from the simulator.</summary>
    public bool Simulated { get; init; }

    /// <summary>The VM first, then the GPUs in index order.</summary>
    public required IReadOnlyList<DeviceAttestation> Devices { get; init; }

    /// <summary>The binding every device is over (TeeWasm's scheme: module, host key, workload, nonce).</summary>
    public required VmBinding Binding { get; init; }

    /// <summary>When the token stops being valid.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The composite evidence JSON: each device's evidence that was collected, and the binding; null when none was.</summary>
    public string? Evidence { get; init; }

    /// <summary>The devices that failed.</summary>
    public IEnumerable<DeviceAttestation> Failed => Devices.Where(d => !d.Result.Success);

    /// <summary>
    /// The composite evidence JSON of <paramref name="devices"/>: <c>{"tee_type":"COMPOSITE","source","simulated","vm":{…},
    /// "gpus":[{…}…],"binding":{…}}</c>, each device's evidence object as its platform writes it (with its own binding);
    /// null when no device has evidence.
    /// </summary>
    public static string? WriteEvidence(IReadOnlyList<DeviceAttestation> devices, VmBinding binding, bool simulated)
    {
        ArgumentNullException.ThrowIfNull(devices);
        DeviceAttestation? vm = devices.FirstOrDefault(d => d.Subject == EvidenceSubject.Vm && d.Result.Evidence is not null);
        var gpus = devices.Where(d => d.Subject == EvidenceSubject.Gpu && d.Result.Evidence is not null).ToList();
        if (vm is null && gpus.Count == 0) return null;
        return EvidenceDocument.WriteDocument(w =>
        {
            w.String("tee_type", EvidenceTeeType);
            w.String("source", "tee-wasm attest all");
            w.Boolean("simulated", simulated);
            if (vm is not null) w.Document("vm", EvidenceDocument.Parse(vm.Result.Evidence!));
            else w.Null("vm");
            w.Documents("gpus", gpus.Select(g => EvidenceDocument.Parse(g.Result.Evidence!)));
            w.Json("binding", EvidenceDocument.BindingJson(binding));
        });
    }

    /// <summary>The result's JSON (UTF-8).</summary>
    public byte[] ToJsonUtf8()
    {
        using var buffer = new MemoryStream(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteBoolean("success", Success);
            AttestationResult.WriteNullable(w, "token", Token);
            AttestationResult.WriteNullable(w, "evidence", Evidence);
            AttestationResult.WriteNullable(w, "error", Error);
            w.WriteNumber("timestamp", Timestamp);
            w.WriteString("tee_type", TeeTypeName);
            if (Simulated) w.WriteBoolean("simulated", true);
            w.WriteStartArray("devices");
            foreach (DeviceAttestation d in Devices)
            {
                w.WriteStartObject();
                w.WriteString("device", d.Device);
                if (d.GpuIndex is int i) w.WriteNumber("gpu_index", i);
                if (d.Uuid is { } uuid) w.WriteString("uuid", uuid);
                AttestationResult.WriteNullable(w, "tee_type", d.Result.TeeType);
                w.WriteBoolean("success", d.Result.Success);
                if (d.Result.Verified is { } v) w.WriteString("measurement", Convert.ToHexStringLower(v.Measurement));
                AttestationResult.WriteNullable(w, "error", d.Result.Error);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The JSON as a string.</summary>
    public string ToJson() => Encoding.UTF8.GetString(ToJsonUtf8());
}
