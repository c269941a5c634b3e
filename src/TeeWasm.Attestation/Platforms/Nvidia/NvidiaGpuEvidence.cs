using System.Security.Cryptography;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>How a GPU's evidence was collected; it decides the shape of its evidence JSON.</summary>
public enum NvidiaEvidenceOrigin
{
    /// <summary>The TeeWasm simulator (<c>tee_type</c> "NVIDIA_GPU", <c>report</c>, <c>certificates</c>, <c>fields</c>).</summary>
    Simulator,

    /// <summary>NVML (<c>platform</c> "NVIDIA GPU", <c>report.spdm_base64</c>, <c>certificates_pem</c>, <c>cc</c>, <c>verdict</c>).</summary>
    Nvml,

    /// <summary>The nvattest CLI (no SPDM report: its claims and token only).</summary>
    Nvattest,

    /// <summary>NVIDIA's attestation SDK evidence JSON or a raw report read from a file (never written as TeeWasm evidence).</summary>
    File,
}

/// <summary>
/// NVIDIA GPU evidence: the SPDM 1.1 GET_MEASUREMENTS report (request ‖ response ‖ signature), the device certificate
/// chain (PEM, leaf first), and what the collector states about it (CC mode, nonce). For the evidence JSON of each
/// origin see <see cref="NvidiaEvidenceOrigin"/>.
/// </summary>
public sealed record NvidiaGpuEvidence : AttestationEvidence
{
    /// <summary>The evidence JSON's <c>tee_type</c> of simulator GPU evidence.</summary>
    public const string TeeTypeName = "NVIDIA_GPU";

    /// <summary>The platform name NVML evidence (and attestation results) use.</summary>
    public const string PlatformName = "NVIDIA GPU";

    /// <summary>How the evidence was collected.</summary>
    public NvidiaEvidenceOrigin Origin { get; init; } = NvidiaEvidenceOrigin.File;

    /// <summary>The report bytes; empty when there is none (nvattest).</summary>
    public byte[] Report { get; init; } = [];

    /// <summary>The device certificate chain, PEM, leaf first; null when the evidence carries none.</summary>
    public string? CertificateChainPem { get; init; }

    /// <summary>The confidential-computing mode the collector states ("ON", "on", "devtools"…); null when it states none. Not signed.</summary>
    public string? CcMode { get; init; }

    /// <summary>The nonce the evidence states it was requested over; not a freshness proof.</summary>
    public byte[]? StatedNonce { get; init; }

    /// <summary>"HOPPER", "BLACKWELL", when the evidence names it.</summary>
    public string? Arch { get; init; }

    /// <summary>The GPU's index on its host, when known.</summary>
    public int? GpuIndex { get; init; }

    /// <summary>The GPU's UUID ("GPU-…") as the collector states it (NVML, the simulator); not signed by the report; null when unknown.</summary>
    public string? Uuid { get; init; }

    /// <summary>Why this evidence cannot be verified at all (a failed attestation, no report, a chain that does not decode); null when it can.</summary>
    public string? Error { get; init; }

    /// <summary>NVML's description of the GPU and the collecting source's verdict (NVML evidence).</summary>
    public NvmlDetails? Nvml { get; init; }

    /// <summary>The nvattest CLI's answer (nvattest evidence).</summary>
    public NvattestResult? NvattestAnswer { get; init; }

    /// <summary>What the collecting source verified, in words (written into the evidence).</summary>
    public string? Verdict { get; init; }

    /// <inheritdoc />
    public override EvidenceSubject Subject => EvidenceSubject.Gpu;

    /// <inheritdoc />
    protected internal override void WriteTo(EvidenceDocument.Writer w)
    {
        switch (Origin)
        {
            case NvidiaEvidenceOrigin.Nvml: WriteNvml(w, Nvml ?? throw new InvalidOperationException("NVML evidence without NVML details")); break;
            case NvidiaEvidenceOrigin.Nvattest: WriteNvattest(w, NvattestAnswer ?? throw new InvalidOperationException("nvattest evidence without its answer")); break;
            default: WriteSimulator(w); break;
        }
    }

    private void WriteSimulator(EvidenceDocument.Writer w)
    {
        var report = GpuAttestationReport.Parse(Report);
        w.String("tee_type", TeeTypeName);
        w.String("source", Source);
        w.Boolean("simulated", Simulated);
        w.Base64("report", Report);
        w.Strings("certificates", PemBlocks(CertificateChainPem ?? ""));
        w.Object("fields", f =>
        {
            f.Number("gpu_index", GpuIndex ?? 0);
            if (Uuid is not null) f.String("uuid", Uuid);
            f.String("name", "NVIDIA H100 (simulated)");
            f.String("cc_mode", CcMode);
            f.String("driver_version", report.OpaqueData.DriverVersion);
            f.String("vbios_version", report.OpaqueData.VbiosVersion);
            f.Hex("nonce", StatedNonce ?? []);
            f.Hex("measurement_digest", report.ComputeMeasurementDigest());
            f.String("verdict", Verdict);
        });
    }

    private void WriteNvml(EvidenceDocument.Writer w, NvmlDetails nvml)
    {
        var report = GpuAttestationReport.Parse(Report);
        w.String("platform", PlatformName);
        w.String("source", Source);
        w.Number("gpu_index", GpuIndex ?? 0);
        w.String("name", nvml.Name);
        w.String("uuid", nvml.Uuid);
        w.String("driver_version", nvml.DriverVersion);
        w.String("vbios_version", nvml.VbiosVersion);
        w.Object("cc", c =>
        {
            c.String("mode", nvml.ConfCompute.ModeName);
            c.String("environment", nvml.ConfCompute.EnvironmentName);
            c.Boolean("devtools", nvml.ConfCompute.DevToolsMode == 1);
            if (nvml.ConfCompute.MultiGpuMode is uint multi) c.Number("multi_gpu_mode", multi);
            else c.String("multi_gpu_mode", null);
        });
        w.Hex("nonce", StatedNonce ?? []);
        w.Object("report", r =>
        {
            r.Base64("spdm_base64", Report);
            r.Number("measurement_blocks", report.Blocks.Count);
            r.Hex("measurement_digest_sha384", report.ComputeMeasurementDigest());
            r.String("opaque_driver_version", report.OpaqueData.DriverVersion);
            r.String("opaque_vbios_version", report.OpaqueData.VbiosVersion);
            r.String("project", report.OpaqueData.Project);
            r.String("project_sku", report.OpaqueData.ProjectSku);
            r.String("chip_sku", report.OpaqueData.ChipSku);
            r.String("fwid", report.OpaqueData.Fwid is { } f ? Convert.ToHexStringLower(f) : null);
        });
        w.String("certificates_pem", CertificateChainPem);
        w.Object("verdict", v =>
        {
            v.String("report_signature", "valid");
            v.String("certificate_chain", "valid to " + nvml.ChainRoot);
            v.String("nonce", "match");
            v.String("fwid", nvml.FwidChecked ? "match" : "absent from report");
            v.Objects("rims", nvml.Rims, (o, rim) =>
            {
                o.String("kind", rim.Kind);
                o.String("version", rim.Version);
                o.String("result", rim.Result);
                if (rim.Compared is int compared) o.Number("compared", compared);
            });
            if (nvml.Remote is { } remote)
            {
                v.Object("nras", n =>
                {
                    n.String("overall_token", remote.OverallToken);
                    n.Json("overall_claims", remote.OverallClaimsJson);
                });
            }
            else
            {
                v.String("nras", null);
            }
            v.String("note", Verdict);
        });
    }

    private void WriteNvattest(EvidenceDocument.Writer w, NvattestResult result)
    {
        w.String("platform", PlatformName);
        w.String("source", Source);
        w.Number("gpu_index", GpuIndex ?? 0);
        w.String("driver_version", result.DriverVersion);
        w.String("hwmodel", result.HardwareModel);
        w.Hex("nonce", StatedNonce ?? []);
        w.Json("claims", result.ClaimsJson);
        w.String("token", result.OverallToken);
        w.Object("verdict", v => v.String("note", Verdict));
    }

    /// <summary>The PEM blocks of <paramref name="pem"/>, each exactly as written.</summary>
    internal static IEnumerable<string> PemBlocks(string pem)
    {
        var blocks = new List<string>();
        ReadOnlySpan<char> rest = pem;
        while (PemEncoding.TryFind(rest, out PemFields fields))
        {
            blocks.Add(rest[fields.Location].ToString());
            rest = rest[fields.Location.End.GetOffset(rest.Length)..];
        }
        return blocks;
    }
}

/// <summary>What NVML says about a GPU, and what the NVML source verified (written into its evidence JSON).</summary>
/// <param name="Name">The GPU's name.</param>
/// <param name="Uuid">Its UUID.</param>
/// <param name="DriverVersion">The driver version NVML reports.</param>
/// <param name="VbiosVersion">The VBIOS version NVML reports.</param>
/// <param name="ConfCompute">Its confidential-computing state.</param>
/// <param name="ChainRoot">The name of the root the device chain verified to.</param>
/// <param name="FwidChecked">True when the report's FWID was compared with (and equals) the certificate's.</param>
/// <param name="Rims">The RIM appraisals (kind, version, result).</param>
/// <param name="Remote">The remote verifier's verdict, when one was asked.</param>
public sealed record NvmlDetails(string Name, string Uuid, string DriverVersion, string? VbiosVersion, NvmlConfComputeState ConfCompute,
    string ChainRoot, bool FwidChecked, IReadOnlyList<RimAppraisal> Rims, RemoteGpuVerdict? Remote);

/// <summary>One RIM appraisal of the NVML source.</summary>
/// <param name="Kind">"driver" or "vbios".</param>
/// <param name="Version">The RIM's (or the report's) version.</param>
/// <param name="Result">"match" or "RIM not available".</param>
/// <param name="Compared">How many measurements were compared, on a match.</param>
public sealed record RimAppraisal(string Kind, string? Version, string Result, int? Compared);
