using System.Security.Cryptography.X509Certificates;
using System.Text;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Verification;
using TeeWasm.Attestation.X509;
using TeeWasm.Attestation.Inputs;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>
/// NVIDIA GPUs for verification: TeeWasm GPU evidence (the simulator's: <c>tee_type</c> "NVIDIA_GPU"; NVML's:
/// <c>platform</c> "NVIDIA GPU"), NVIDIA's attestation SDK evidence JSON (an array of <c>{arch, certificate, evidence,
/// nonce}</c>), a raw SPDM report (binary, hex as NVIDIA's tools store it, or base64) whose chain and nonce come from
/// <c>--cert</c> and <c>--nonce</c>, and the <see cref="NvidiaGpuEvidenceVerifier"/> made from <c>--nonce</c>,
/// <c>--rim</c> and <c>--trust-simulator</c>.
/// </summary>
public sealed class NvidiaPlatform : EvidencePlatform
{
    /// <summary>The platform.</summary>
    public static NvidiaPlatform Instance { get; } = new();

    private NvidiaPlatform() { }

    /// <inheritdoc />
    public override string Name => NvidiaGpuEvidence.PlatformName;

    /// <inheritdoc />
    public override EvidenceSubject Subject => EvidenceSubject.Gpu;

    /// <inheritdoc />
    public override string RawName => "NVIDIA GPU evidence";

    /// <inheritdoc />
    public override bool Recognizes(EvidenceDocument document) =>
        document.TeeType == NvidiaGpuEvidence.TeeTypeName || document.GetString("platform") == NvidiaGpuEvidence.PlatformName;

    /// <summary>
    /// Reads simulator GPU evidence (<c>report</c> base64, <c>certificates</c> PEM list, <c>fields.cc_mode</c>,
    /// <c>fields.nonce</c>) or NVML's (<c>report.spdm_base64</c>, <c>certificates_pem</c>, <c>cc.mode</c>, <c>nonce</c>).
    /// </summary>
    public override AttestationEvidence Read(EvidenceDocument ev)
    {
        string? b64 = ev.GetString("report") ?? ev.GetObject("report")?.GetString("spdm_base64");
        EvidenceDocument? fields = ev.GetObject("fields");
        string? cc = ev.GetObject("cc") is { } c ? c.GetString("mode") : fields?.GetString("cc_mode");
        string? nonceHex = ev.GetString("nonce") ?? fields?.GetString("nonce");
        var pem = new StringBuilder();
        foreach (string? cert in ev.GetStrings("certificates") ?? []) pem.Append(cert).Append('\n');
        if (ev.GetString("certificates_pem") is { } chainPem) pem.Append(chainPem);
        string? error = b64 is not null ? null
            : ev.Source == "nvattest"
                ? "the evidence comes from the nvattest CLI and carries no SPDM report: it cannot be verified offline"
                : "the evidence JSON carries no SPDM report";
        return new NvidiaGpuEvidence
        {
            Report = b64 is null ? [] : Convert.FromBase64String(b64),
            CertificateChainPem = pem.Length == 0 ? null : pem.ToString(),
            Error = error,
            StatedNonce = nonceHex is null ? null : Convert.FromHexString(nonceHex),
            CcMode = cc,
            Uuid = ev.GetString("uuid") ?? fields?.GetString("uuid"),
            GpuIndex = (ev.GetInt64("gpu_index") ?? fields?.GetInt64("gpu_index")) is long i ? (int)i : null,
            Source = ev.Source ?? "",
        };
    }

    /// <inheritdoc />
    public override AttestationEvidence FailedAttestation(string error) => new NvidiaGpuEvidence { Error = error };

    /// <summary>NVIDIA's SDK evidence JSON, or a raw SPDM report (binary, hex, base64); null for anything else.</summary>
    public override EvidenceFile? TryReadFile(ReadOnlyMemory<byte> data)
    {
        ReadOnlySpan<byte> trimmed = data.Span.Trim(" \t\r\n"u8);
        if (trimmed.Length == 0) return null;
        if (trimmed[0] is (byte)'{' or (byte)'[') return TryReadSdk(data);
        if (IsReport(data.Span)) return Raw(data.ToArray(), "binary");
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(trimmed);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        string compact = string.Concat(text.Where(ch => !char.IsWhiteSpace(ch)));
        if (compact.Length >= 8 && compact.Length % 2 == 0 && compact.All(char.IsAsciiHexDigit))
        {
            byte[] bytes = Convert.FromHexString(compact);
            return IsReport(bytes) ? Raw(bytes, "hex") : null;
        }
        try
        {
            byte[] bytes = Convert.FromBase64String(compact);
            return IsReport(bytes) ? Raw(bytes, "base64") : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>True for NVIDIA switch architectures (LS10: NVSwitch of HGX H100/H200 PPCIE systems).</summary>
    private static bool IsSwitch(string? arch) => arch is not null && arch.StartsWith("LS", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when the bytes begin with an SPDM 1.1 GET_MEASUREMENTS request (11 e0).</summary>
    private static bool IsReport(ReadOnlySpan<byte> b) =>
        b.Length >= 2 && b[0] == GpuAttestationReport.SpdmVersion11 && b[1] == GpuAttestationReport.GetMeasurementsCode;

    private EvidenceFile Raw(byte[] report, string form) => new()
    {
        Kind = $"NVIDIA GPU attestation report ({form})", Platform = this, IsRaw = true, Items = [new NvidiaGpuEvidence { Report = report }],
    };

    private EvidenceFile? TryReadSdk(ReadOnlyMemory<byte> json)
    {
        if (EvidenceDocument.TryParseObjects(json, out bool isArray) is not { Count: > 0 } elements || !isArray) return null;
        if (!elements.All(e => e.GetString("certificate") is not null && e.GetString("evidence") is not null && !e.Has("tee_type"))) return null;
        if (elements.FirstOrDefault(e => IsSwitch(e.GetString("arch"))) is { } sw)
            throw new VerificationInputException($"NVIDIA NVSwitch evidence (arch {sw.GetString("arch")}) is not supported: tee-wasm verify checks NVIDIA GPU evidence (Hopper, Blackwell) only; verify switch evidence with NVIDIA's verifier (nvattest, NRAS)");
        try
        {
            List<AttestationEvidence> items =
            [
                .. NvidiaEvidenceList.Parse(Encoding.UTF8.GetString(json.Span)).Select(e => new NvidiaGpuEvidence
                {
                    Report = e.Report,
                    CertificateChainPem = e.CertificateChainPem,
                    Arch = e.Arch.Length == 0 ? null : e.Arch,
                    StatedNonce = e.Nonce.Length == 0 ? null : e.Nonce,
                }),
            ];
            return new EvidenceFile
            {
                Kind = $"NVIDIA attestation SDK evidence JSON ({(items.Count == 1 ? "1 GPU" : $"{items.Count} GPUs")})", Platform = this, Items = items,
            };
        }
        catch (NvidiaAttestationException e)
        {
            throw new VerificationInputException("malformed GPU evidence JSON: " + e.Message, e);
        }
    }

    /// <inheritdoc />
    public override IEvidenceVerifier CreateVerifier(VerifyInputs inputs, EvidenceFile file)
    {
        VerifyOptions options = inputs.Options;
        string[] vmOnly = [.. new[] { ("--td-quote", options.TdQuoteFile is not null),
            ("--allow-unsigned-collateral", options.AllowUnsignedCollateral) }.Where(o => o.Item2).Select(o => o.Item1)];
        if (vmOnly.Length > 0)
            throw new VerificationInputException($"{string.Join(", ", vmOnly)} appl{(vmOnly.Length == 1 ? "ies" : "y")} to VM evidence only, not to NVIDIA GPU evidence");
        // Evidence that records its binding (tee-wasm attest gpu): --nonce is the binding's nonce, checked through it
        // (EvidenceFileVerifier); the SPDM nonce is then the binding's first 32 bytes.
        byte[]? nonce = file.Items.Any(i => i.Binding is not null) ? null : ParseNonce(options.Nonce);
        if (options.ModuleFile is not null || options.ModuleHash is not null)
        {
            if (file.Items.All(i => i.Binding is null))
                throw new VerificationInputException("--module and --module-hash need GPU evidence that records its binding (tee-wasm attest gpu JSON); NVIDIA SDK evidence and raw reports bind no module");
        }
        IReadOnlyList<X509Certificate2>? chain = null;
        if (file.IsRaw)
        {
            if (options.CertificateFiles.Count == 0)
                throw new VerificationInputException("a raw GPU attestation report needs --cert CHAIN (the device certificate chain, PEM, leaf first)");
            if (nonce is null)
                throw new VerificationInputException("a raw GPU attestation report needs --nonce HEX (the 32-byte nonce it was requested over)");
            chain = LoadChain(inputs.ExistingCertificateFiles());
        }
        else if (options.CertificateFiles.Count > 0)
        {
            throw new VerificationInputException("--cert applies to a raw GPU report only: this GPU evidence carries its own certificate chain");
        }
        IReadOnlyList<X509Certificate2> simulator = inputs.SimulatorRoots;
        IReadOnlyList<NvidiaRim>? rims = options.RimDirectory is { } dir ? LoadRims(dir) : null;
        string? rimSource = options.RimDirectory;
        if (rims is null && options.Fetcher is { } fetcher)
        {
            var gpus = file.Items.OfType<NvidiaGpuEvidence>().Select(e => (e.Report, Chain: ChainOf(e, chain)));
            rims = NvidiaRimFetch.For(fetcher, gpus).Rims;
            rimSource = "NVIDIA's RIM service";
        }
        var ocsp = new List<OcspResponse>();
        if (inputs.Collateral is { } folder)
        {
            var folderRims = new List<NvidiaRim>();
            foreach (CollateralFile f in folder.Files)
            {
                if (OcspResponse.TryParse(f.Data, out OcspResponse? answer, f.Path))
                {
                    ocsp.Add(answer);
                    f.Recognise($"OCSP answer about {answer.Responses.Count} certificate(s), produced {answer.ProducedAt:u}");
                }
                else if (!folder.GivenByUser && NvidiaRim.LooksLikeRim(f.Data))
                {
                    folderRims.Add(RimOf(f));
                    f.Recognise("NVIDIA RIM", used: rims is null);
                }
            }
            folder.RequireSomethingUsed("NVIDIA OCSP answers (DER) for the device certificates");
            if (rims is null && folderRims.Count > 0) (rims, rimSource) = (folderRims, folder.Directory);
        }
        string? ocspUnavailable = null;
        if (options.Fetcher is { } ocspFetcher && ocsp.Count == 0)
            (ocsp, ocspUnavailable) = FetchOcsp(ocspFetcher, [.. file.Items.OfType<NvidiaGpuEvidence>().Select(e => ChainOf(e, chain)), .. RimChains(file, rims)]);
        return new NvidiaGpuEvidenceVerifier(new NvidiaGpuVerifierOptions
        {
            SimulatorRoots = simulator, ExpectedNonce = nonce, CertificateChain = chain, Rims = rims, RimDirectory = rimSource,
            OcspResponses = ocsp, OcspUnavailable = ocspUnavailable,
        });
    }

    /// <summary>The signing chains (to the NVIDIA RIM root) of the RIMs of the versions the reports name.</summary>
    private static IEnumerable<IReadOnlyList<X509Certificate2>> RimChains(EvidenceFile file, IReadOnlyList<NvidiaRim>? rims)
    {
        if (rims is null) yield break;
        var versions = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (NvidiaGpuEvidence e in file.Items.OfType<NvidiaGpuEvidence>())
        {
            if (!GpuAttestationReport.TryParse(e.Report, out GpuAttestationReport? report, out _)) continue;
            foreach (string? v in new[] { report!.OpaqueData.DriverVersion, report.OpaqueData.VbiosVersion })
                if (v is not null) versions.Add(v);
        }
        X509Certificate2 root = NvidiaRootCertificates.RimRootCa;
        foreach (NvidiaRim rim in rims.Where(r => versions.Contains(r.Version) && r.SigningChain.Count > 0))
            yield return rim.SigningChain[^1].RawData.AsSpan().SequenceEqual(root.RawData) ? rim.SigningChain : [.. rim.SigningChain, root];
    }

    /// <summary>The OCSP answer of every certificate of every chain below its last one (the root), from NVIDIA's responder.</summary>
    private static (List<OcspResponse> Answers, string? Unavailable) FetchOcsp(ICollateralFetcher fetcher, IEnumerable<IReadOnlyList<X509Certificate2>> chains)
    {
        var answers = new List<OcspResponse>();
        var asked = new HashSet<string>(StringComparer.Ordinal);
        foreach (IReadOnlyList<X509Certificate2> c in chains)
        {
            for (int i = 0; i + 1 < c.Count; i++)
            {
                if (!asked.Add(c[i].Thumbprint)) continue;
                try
                {
                    CollateralItem item = fetcher.Fetch(new CollateralRequest
                    {
                        Kind = CollateralKind.NvidiaOcsp, OcspRequest = OcspResponse.CreateRequest(c[i], c[i + 1]),
                        Certificate = $"'{X509.CertificateChain.Name(c[i])}' (serial {c[i].SerialNumber})",
                    });
                    answers.Add(OcspResponse.Parse(item.Body, item.Url?.GetLeftPart(UriPartial.Path) ?? item.Source));
                }
                catch (Exception e) when (e is CollateralUnavailableException or AttestationException)
                {
                    return ([], e.Message);
                }
            }
        }
        return (answers, null);
    }

    private static IReadOnlyList<X509Certificate2> ChainOf(NvidiaGpuEvidence evidence, IReadOnlyList<X509Certificate2>? given)
    {
        if (evidence.CertificateChainPem is { } pem)
        {
            try
            {
                return NvidiaCertificateChain.ParsePem(pem);
            }
            catch (NvidiaAttestationException)
            {
                return [];
            }
        }
        return given ?? [];
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
            throw new VerificationInputException($"--nonce '{hex}' is not hex (64 digits 0-9a-f: the 32-byte SPDM request nonce)");
        }
        return bytes.Length == GpuAttestationReport.NonceLength ? bytes
            : throw new VerificationInputException($"--nonce is {bytes.Length} bytes; a GPU report's request nonce is {GpuAttestationReport.NonceLength}");
    }

    private static List<X509Certificate2> LoadChain(IReadOnlyList<string> files)
    {
        var chain = new List<X509Certificate2>();
        foreach (string f in files)
        {
            try
            {
                chain.AddRange(NvidiaCertificateChain.ParsePem(BoundedRead.Text(f, InputLimits.Certificate, "certificate file")));
            }
            catch (Exception e) when (e is NvidiaAttestationException or InputTooLargeException)
            {
                throw new VerificationInputException($"--cert {f}: {e.Message}", e);
            }
        }
        return chain;
    }

    /// <summary>The RIM of a bundle's piece (a <c>--collateral</c> folder holds no RIMs: they go with <c>--rim</c>).</summary>
    private static NvidiaRim RimOf(CollateralFile f)
    {
        try
        {
            return NvidiaRim.Parse(Encoding.UTF8.GetString(f.Data));
        }
        catch (NvidiaAttestationException e)
        {
            throw new VerificationInputException($"{f.Label}: {e.Message}", e);
        }
    }

    private static List<NvidiaRim> LoadRims(string dir)
    {
        if (!Directory.Exists(dir)) throw new VerificationInputException($"--rim: folder '{dir}' not found");
        var rims = new List<NvidiaRim>();
        var others = new List<string>();
        foreach (string f in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(f).StartsWith('.')) continue;
            // By content, not by name: NVIDIA ships RIMs as .swidtag, tools save them as .xml.
            if (!NvidiaRim.LooksLikeRim(File.ReadAllBytes(f)))
            {
                others.Add(Path.GetFileName(f));
                continue;
            }
            try
            {
                rims.Add(NvidiaRim.Load(f));
            }
            catch (Exception e) when (e is NvidiaAttestationException or InputTooLargeException)
            {
                throw new VerificationInputException($"--rim {f}: {e.Message}", e);
            }
        }
        if (others.Count > 0)
            throw new VerificationInputException($"--rim {dir}: {string.Join(", ", others.Select(o => $"'{o}'"))} {(others.Count == 1 ? "is" : "are")} not an NVIDIA RIM (SWID XML with a SoftwareIdentity)");
        if (rims.Count == 0) throw new VerificationInputException($"--rim: no RIM (SWID XML, .swidtag or .xml) in '{dir}'");
        return rims;
    }
}
