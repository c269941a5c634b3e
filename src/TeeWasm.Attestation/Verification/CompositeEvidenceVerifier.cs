using System.Text.Json;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Verification;

/// <summary>The appraisal of one device of composite evidence.</summary>
/// <param name="Device">The device.</param>
/// <param name="Appraisal">Its platform verifier's appraisal (or why it could not be verified).</param>
public sealed record DeviceAppraisal(CompositeDevice Device, Appraisal Appraisal);

/// <summary>
/// The verdict on composite evidence: every device's appraisal, and the checks that tie them together (one nonce, one
/// host key, one workload). Valid only when all hold; <see cref="Verdict"/> names each device that failed.
/// </summary>
/// <param name="Evidence">What was appraised.</param>
/// <param name="Devices">One appraisal per device, the VM first.</param>
/// <param name="Checks">The checks across devices.</param>
public sealed record CompositeAppraisal(CompositeEvidence Evidence, IReadOnlyList<DeviceAppraisal> Devices, IReadOnlyList<AppraisalCheck> Checks)
{
    /// <summary>The check that every device is over the composite binding.</summary>
    public const string BindingCheck = "one nonce and host key";

    /// <summary>True when every device verified and every check passed.</summary>
    public bool Valid => Devices.All(d => d.Appraisal.Valid) && Checks.All(c => c.Status != CheckStatus.Fail);

    /// <summary>"VALID: …" or "REJECTED: " and each failing device with its reason.</summary>
    public string Verdict
    {
        get
        {
            int gpus = Devices.Count(d => d.Device.Subject == EvidenceSubject.Gpu);
            string what = gpus == 0 ? "the VM" : $"the VM and {gpus} GPU{(gpus == 1 ? "" : "s")}";
            if (Valid) return $"VALID: {what} verify, all over one nonce and one host key";
            var failures = Devices.Where(d => !d.Appraisal.Valid)
                .Select(d => $"{d.Device.Label}: {(d.Appraisal.EvidenceValid ? d.Appraisal.Failures : d.Appraisal.Message)}")
                .Concat(Checks.Where(c => c.Status == CheckStatus.Fail).Select(c => $"{c.Name}: {c.Reason}"));
            return "REJECTED: " + string.Join("; ", failures);
        }
    }
}

/// <summary>
/// Reads and verifies composite evidence: each device with its platform's verifier (the VM's with the VM inputs, each
/// GPU's with the GPU inputs and the composite binding's first 32 bytes as its expected nonce), then checks that every
/// device's binding names the same module, host key, nonce and workload.
/// </summary>
/// <param name="platforms">The registered platforms.</param>
public sealed class CompositeEvidenceVerifier(IReadOnlyList<EvidencePlatform> platforms)
{
    /// <summary>Reads composite evidence from a composite result or composite evidence JSON.</summary>
    /// <exception cref="VerificationInputException">It is not composite evidence, or it is malformed.</exception>
    public CompositeEvidence Read(EvidenceDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        try
        {
            DateTimeOffset? time = document.GetInt64("timestamp") is long secs ? DateTimeOffset.FromUnixTimeSeconds(secs) : null;
            EvidenceDocument? evidence = document.TeeType == CompositeEvidence.TeeTypeName ? document
                : document.GetEmbedded("evidence") ?? document.GetObject("evidence");
            IReadOnlyList<EvidenceDocument> recorded = document.GetObjects("devices") ?? [];
            if (evidence is null)
            {
                string error = document.GetString("error") ?? "no evidence";
                throw new VerificationInputException("the composite result records a failed attestation with no evidence: " + error);
            }
            VmBinding binding = (evidence.HasBinding ? evidence.GetBinding() : null)
                ?? throw new VerificationInputException("composite evidence has no binding");
            var devices = new List<CompositeDevice>();
            if (evidence.GetObject("vm") is { } vm) devices.Add(Device("VM", EvidenceSubject.Vm, null, vm, time));
            else devices.Add(Failed(recorded, "VM", null));
            var gpus = evidence.GetObjects("gpus") ?? [];
            var indices = new HashSet<int>();
            foreach (EvidenceDocument g in gpus)
            {
                CompositeDevice d = Device("GPU", EvidenceSubject.Gpu, null, g, time);
                int index = d.GpuIndex ?? indices.Count;
                indices.Add(index);
                devices.Add(d with { Device = $"GPU {index}", GpuIndex = index });
            }
            foreach (EvidenceDocument r in recorded.Where(r => r.GetInt64("gpu_index") is long i && !indices.Contains((int)i)))
                devices.Add(Failed(recorded, r.GetString("device") ?? $"GPU {r.GetInt64("gpu_index")}", (int)r.GetInt64("gpu_index")!.Value));
            devices.Sort((a, b) => (a.GpuIndex ?? -1).CompareTo(b.GpuIndex ?? -1));
            return new CompositeEvidence { Devices = devices, Binding = binding, Time = time, Token = document.GetString("token") };
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or AttestationException
            && e is not VerificationInputException)
        {
            throw new VerificationInputException("malformed composite evidence JSON: " + e.Message, e);
        }
    }

    private CompositeDevice Device(string name, EvidenceSubject subject, int? index, EvidenceDocument document, DateTimeOffset? time)
    {
        foreach (EvidencePlatform p in platforms.Where(p => p.Subject == subject))
        {
            if (p.TryRead(document) is not { } read) continue;
            AttestationEvidence evidence = EvidenceFileVerifier.Complete(read, document, time, simulated: false);
            EvidenceDocument? fields = document.GetObject("fields");
            string? uuid = document.GetString("uuid") ?? fields?.GetString("uuid");
            int? gpuIndex = index ?? ((document.GetInt64("gpu_index") ?? fields?.GetInt64("gpu_index")) is long i ? (int)i : null);
            return new CompositeDevice(name, subject, gpuIndex, uuid, evidence, p, null);
        }
        throw new VerificationInputException($"the composite evidence's {name} is not evidence of a known {(subject == EvidenceSubject.Vm ? "VM" : "GPU")} platform");
    }

    private static CompositeDevice Failed(IReadOnlyList<EvidenceDocument> recorded, string device, int? index)
    {
        EvidenceDocument? r = recorded.FirstOrDefault(d => d.GetString("device") == device);
        return new CompositeDevice(device, index is null ? EvidenceSubject.Vm : EvidenceSubject.Gpu, index, r?.GetString("uuid"), null, null,
            r?.GetString("error") ?? "no evidence");
    }

    /// <summary>Verifies every device and the binding that ties them.</summary>
    /// <param name="composite">The evidence.</param>
    /// <param name="inputs">The inputs of <c>tee-wasm verify</c>: certificates and collateral apply to the VM, RIMs to the GPUs.</param>
    /// <exception cref="VerificationInputException">An input is missing or does not apply (<c>--nonce</c>: the binding decides).</exception>
    public CompositeAppraisal Verify(CompositeEvidence composite, VerifyInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(composite);
        ArgumentNullException.ThrowIfNull(inputs);
        VerifyOptions options = inputs.Options;
        if (options.Nonce is not null)
            throw new VerificationInputException("--nonce does not apply to composite evidence: every GPU report must be over its binding");
        VerifyInputs vmInputs = inputs.With(options with { RimDirectory = null });
        VerifyInputs gpuInputs = inputs.With(options with
        {
            CertificateFiles = [], CollateralDirectory = null, TdQuoteFile = null, AllowUnsignedCollateral = false,
            Collateral = options.Collateral?.ForGpus(),
        });
        var appraisals = new List<DeviceAppraisal>();
        var mismatches = new List<string>();
        foreach (CompositeDevice d in composite.Devices)
        {
            if (d.Evidence is null || d.Platform is null)
            {
                string why = "the attestation recorded a failure: " + d.RecordedError;
                appraisals.Add(new DeviceAppraisal(d, Appraisal.Unverifiable(d.Subject == EvidenceSubject.Vm ? "VM evidence" : "NVIDIA GPU report",
                    "AttestationFailed", "evidence", why)));
                continue;
            }
            VerifyInputs di = d.Subject == EvidenceSubject.Vm ? vmInputs : gpuInputs;
            var file = new EvidenceFile { Kind = $"composite evidence: {d.Device}", Platform = d.Platform, Items = [d.Evidence] };
            IEvidenceVerifier verifier = d.Platform.CreateVerifier(di, file);
            VerificationContext context = d.Subject == EvidenceSubject.Gpu
                ? options.Context with { ExpectedReportData = composite.Binding.ReportData }
                : options.Context;
            appraisals.Add(new DeviceAppraisal(d, verifier.Verify(d.Evidence, context)));
            if (d.Evidence.Binding is { } b && Mismatch(b, composite.Binding) is { } what) mismatches.Add($"{d.Label} is bound to another {what}");
            else if (d.Evidence.Binding is null && d.Evidence.BindingError is { } error) mismatches.Add($"{d.Label}: {error}");
        }
        var checks = new List<AppraisalCheck>
        {
            mismatches.Count == 0
                ? new(CompositeAppraisal.BindingCheck, CheckStatus.Pass,
                    $"every device's binding names module {Short(composite.Binding.ModuleHash)}, one host key and "
                    + (composite.Binding.Nonce.Length == 0 ? "no nonce" : "nonce " + Convert.ToHexStringLower(composite.Binding.Nonce))
                    + (composite.Binding.WorkloadSha256 is { } w ? $", workload {Short(w)}" : ""))
                : new(CompositeAppraisal.BindingCheck, CheckStatus.Fail, string.Join("; ", mismatches)),
        };
        return new CompositeAppraisal(composite, appraisals, checks);
    }

    private static string? Mismatch(VmBinding device, VmBinding composite) =>
        !device.Names(composite.ModuleHash, composite.HostKey, composite.Nonce, out string? what) ? what
        : !(device.WorkloadSha256 ?? []).AsSpan().SequenceEqual(composite.WorkloadSha256 ?? []) ? "workload"
        : null;

    private static string Short(byte[] b) => Convert.ToHexStringLower(b)[..16] + "…";
}
