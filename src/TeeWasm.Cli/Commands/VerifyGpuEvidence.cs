using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Attestation.Platforms.Simulator;
using TeeWasm.Attestation.Policy;
using TeeWasm.Cli.Verification;

namespace TeeWasm.Cli.Commands;

/// <summary>
/// The GPU branch of <c>tee-wasm verify</c>: turns the command line into <see cref="GpuEvidenceVerification.Settings"/>,
/// verifies every GPU of the file and prints the verdicts. Exit 0 only when every GPU passes, 1 otherwise.
/// </summary>
internal static class VerifyGpuEvidence
{
    /// <summary>The command-line values the GPU branch uses (null or empty when not given).</summary>
    public sealed class Inputs
    {
        public required DateTimeOffset? Time { get; init; }
        public required IReadOnlyList<string> CertFiles { get; init; }
        public required string? Nonce { get; init; }
        public required string? RimDirectory { get; init; }
        public required string? PolicyFile { get; init; }
        public required bool TrustSimulator { get; init; }
        public required string? SimulatorDirectory { get; init; }
        public required bool Json { get; init; }

        /// <summary>Names of the VM-only options that were given (an error for GPU evidence).</summary>
        public required IReadOnlyList<string> VmOnlyOptions { get; init; }
    }

    public static int Run(GpuEvidenceFile file, Inputs inputs, TextWriter stdout)
    {
        if (inputs.VmOnlyOptions.Count > 0)
            throw new UsageException($"{string.Join(", ", inputs.VmOnlyOptions)} appl{(inputs.VmOnlyOptions.Count == 1 ? "ies" : "y")} to VM evidence only, not to NVIDIA GPU evidence");
        byte[]? nonce = ParseNonce(inputs.Nonce);
        if (file.IsRaw)
        {
            if (inputs.CertFiles.Count == 0)
                throw new UsageException("a raw GPU attestation report needs --cert CHAIN (the device certificate chain, PEM, leaf first)");
            if (nonce is null)
                throw new UsageException("a raw GPU attestation report needs --nonce HEX (the 32-byte nonce it was requested over)");
            file = new GpuEvidenceFile
            {
                Kind = file.Kind, IsRaw = true,
                Items = [new GpuEvidenceItem { Report = file.Items[0].Report, Chain = LoadChain(inputs.CertFiles) }],
            };
        }
        else if (inputs.CertFiles.Count > 0)
        {
            throw new UsageException("--cert applies to a raw GPU report only: this GPU evidence carries its own certificate chain");
        }

        AttestationPolicy? policy = null;
        if (inputs.PolicyFile is { } policyPath)
        {
            try { policy = AttestationPolicy.Load(policyPath); }
            catch (PolicyException e) { throw new UsageException(e.Message); }
        }
        X509Certificate2? simulatorRoot = null;
        if (inputs.TrustSimulator)
        {
            string dir = inputs.SimulatorDirectory ?? SimulatorAuthority.DefaultDirectory;
            if (!Directory.Exists(dir)) throw new UsageException($"--trust-simulator: no simulator directory at '{dir}'");
            using var authority = SimulatorAuthority.LoadOrCreate(dir);
            simulatorRoot = X509CertificateLoader.LoadCertificate(authority.GpuRoot.RawData);
        }
        IReadOnlyList<NvidiaRim>? rims = inputs.RimDirectory is { } rimDir ? LoadRims(rimDir) : null;

        var results = GpuEvidenceVerification.Verify(file, new GpuEvidenceVerification.Settings
        {
            Time = inputs.Time ?? DateTimeOffset.UtcNow,
            ExpectedNonce = nonce,
            SimulatorRoot = simulatorRoot,
            Rims = rims,
            RimDirectory = inputs.RimDirectory,
            Policy = policy,
        });
        if (inputs.Json) GpuVerifyOutput.WriteJson(stdout, file, results);
        else GpuVerifyOutput.WriteText(stdout, file, results);
        return results.All(r => r.Valid) ? 0 : 1;
    }

    private static byte[]? ParseNonce(string? hex)
    {
        if (hex is null) return null;
        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            throw new UsageException($"--nonce '{hex}' is not hex (64 digits 0-9a-f: the 32-byte SPDM request nonce)");
        }
        return bytes.Length == GpuAttestationReport.NonceLength ? bytes
            : throw new UsageException($"--nonce is {bytes.Length} bytes; a GPU report's request nonce is {GpuAttestationReport.NonceLength}");
    }

    private static List<X509Certificate2> LoadChain(IReadOnlyList<string> files)
    {
        var chain = new List<X509Certificate2>();
        foreach (string f in files)
        {
            if (!File.Exists(f)) throw new UsageException($"--cert: file '{f}' not found");
            try { chain.AddRange(NvidiaCertificateChain.ParsePem(File.ReadAllText(f))); }
            catch (NvidiaAttestationException e) { throw new UsageException($"--cert {f}: {e.Message}"); }
        }
        return chain;
    }

    private static List<NvidiaRim> LoadRims(string dir)
    {
        if (!Directory.Exists(dir)) throw new UsageException($"--rim: folder '{dir}' not found");
        var rims = new List<NvidiaRim>();
        foreach (string f in Directory.EnumerateFiles(dir, "*.xml").Order(StringComparer.Ordinal))
        {
            try { rims.Add(NvidiaRim.Load(f)); }
            catch (NvidiaAttestationException e) { throw new UsageException($"--rim {f}: {e.Message}"); }
        }
        if (rims.Count == 0) throw new UsageException($"--rim: no RIM (*.xml) in '{dir}'");
        return rims;
    }
}
