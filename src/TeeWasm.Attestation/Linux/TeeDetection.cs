using System.Text.Json;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Linux;

/// <summary>Through what the platform's evidence is obtained.</summary>
public enum TeeInterface
{
    /// <summary>None: no TEE, or attestation off.</summary>
    None,

    /// <summary>Linux configfs-tsm (<c>/sys/kernel/config/tsm/report</c>).</summary>
    ConfigFsTsm,

    /// <summary>The SEV-SNP guest device (<c>/dev/sev-guest</c>).</summary>
    SevGuestDevice,

    /// <summary>The TDX guest device (<c>/dev/tdx_guest</c>).</summary>
    TdxGuestDevice,

    /// <summary>SEV firmware without SNP: memory encryption only.</summary>
    SevFirmware,

    /// <summary>An Azure confidential VM's vTPM (HCL report in NV index 0x01400001, TPM quote).</summary>
    AzureVtpm,

    /// <summary>The TeeWasm simulator.</summary>
    Simulator,
}

/// <summary>The detected platform, as <c>detect_tee</c> reports it.</summary>
/// <param name="Type">The TEE kind.</param>
/// <param name="Simulated">True when the platform is the simulator.</param>
/// <param name="Source">Which probe found it (a path or "simulator"), for diagnostics.</param>
/// <param name="Interface">Through what its evidence is obtained.</param>
public sealed record TeeDetection(TeeType Type, bool Simulated = false, string? Source = null, TeeInterface Interface = TeeInterface.None)
{
    /// <summary>True on an Azure confidential VM (evidence through the vTPM).</summary>
    public bool IsAzureVtpm => Interface == TeeInterface.AzureVtpm;

    /// <summary>Whether this platform can produce attestation evidence.</summary>
    public bool SupportsAttestation => Type.SupportsAttestation();

    /// <summary>The ABI JSON <c>{"supports_attestation":bool,"tee_type":"…"}</c> (+ <c>"simulated":true</c>).</summary>
    public byte[] ToJsonUtf8()
    {
        using var buffer = new MemoryStream(64);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteBoolean("supports_attestation", SupportsAttestation);
            w.WriteString("tee_type", Type.ToAbiName());
            if (Simulated) w.WriteBoolean("simulated", true);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
