using System.CommandLine;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Linux;
using TeeWasm.Attestation.Services.Ita;
using TeeWasm.Attestation.Services.Maa;
using TeeWasm.Attestation.Services.Nras;
using TeeWasm.Attestation.Tokens;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Cli.CommandLine;

/// <summary>Options shared by the commands that attest.</summary>
internal sealed class CliOptions
{
    public Option<string> Tee { get; } = new("--tee")
    {
        Description = "Evidence source: auto (detect the hardware), none (never attest), simulate (local simulator; never for production)",
        DefaultValueFactory = _ => "auto",
        HelpName = "auto|none|simulate",
    };

    public Option<string?> SimulatorDir { get; } = new("--simulator-dir")
    {
        Description = "Where the simulator keeps its keys and certificates [default: $XDG_DATA_HOME/tee-wasm/simulator]",
        HelpName = "DIR",
    };

    public Option<int> SimulatedGpus { get; } = new("--simulated-gpus")
    {
        Description = "How many GPUs the simulator attests (with --tee simulate; 0 to 16)",
        DefaultValueFactory = _ => 1,
        HelpName = "N",
    };

    public Option<string?> TpmSocket { get; } = new("--tpm-socket")
    {
        Description = "Use a TPM at HOST:PORT or at a Unix socket /PATH (e.g. swtpm) instead of /dev/tpmrm0",
        HelpName = "HOST:PORT|/PATH",
    };

    public Option<string[]> VmCertificates { get; } = new("--vm-cert")
    {
        Description = "A VCEK/VLEK/ASK/ARK certificate (DER or PEM) for SEV-SNP attestation when the platform returns none (repeatable)",
        HelpName = "FILE",
    };

    public Option<string?> TdxCollateral { get; } = new("--tdx-collateral")
    {
        Description = "A directory of Intel collateral (TCB info, QE identity, CRLs) to evaluate the TDX TCB status",
        HelpName = "DIR",
    };

    public Option<bool> ImdsVcek { get; } = new("--imds-vcek")
    {
        Description = "Azure CVM: fetch the VCEK from the Azure IMDS (169.254.169.254, link-local) when no --vm-cert is given; the default (kept for compatibility)",
    };

    public Option<bool> NoImdsVcek { get; } = new("--no-imds-vcek")
    {
        Description = "Azure CVM: never ask the Azure IMDS for the VCEK (give --vm-cert instead); by default it is asked when detection found an Azure CVM and no --vm-cert is given",
    };

    public Option<string?> ImdsUrl { get; } = new("--imds-url")
    {
        Description = "Address of the Azure IMDS for --imds-vcek and --imds-tdquote (what it returns is verified against AMD's or Intel's roots all the same) [default: http://169.254.169.254]",
        HelpName = "URL",
    };

    public Option<bool> ImdsTdQuote { get; } = new("--imds-tdquote")
    {
        Description = "Azure TDX CVM: get a TD quote for the vTPM's TDREPORT from the Azure IMDS (169.254.169.254/acc/tdquote); without it an Azure TDX CVM cannot be attested (off by default: no network)",
    };

    public Option<string?> MaaEndpoint { get; } = new("--maa-endpoint")
    {
        Description = "Send VM evidence to this Azure Attestation instance and hand the guest its token (verified against the instance's /certs) [default: none, no remote call]",
        HelpName = "URL",
    };

    public Option<string?> ItaEndpoint { get; } = new("--ita-endpoint")
    {
        Description = "Send TDX evidence to this Intel Trust Authority API (e.g. https://api.trustauthority.intel.com) and hand the guest its token; on an Azure CVM the binding is first written to vTPM NV index 0x01400002 (the HCL user-data) [default: none]",
        HelpName = "URL",
    };

    public Option<string?> ItaApiKey { get; } = new("--ita-api-key")
    {
        Description = $"Intel Trust Authority API key [default: ${ItaOptions.ApiKeyVariable}]",
        HelpName = "KEY",
    };

    public Option<string?> ItaJwks { get; } = new("--ita-jwks-url")
    {
        Description = "Intel Trust Authority token signing keys [default: https://portal.<domain>/certs for an api.<domain> endpoint, else ENDPOINT/certs]",
        HelpName = "URL",
    };

    public Option<string?> ItaApiVersion { get; } = new("--ita-api-version")
    {
        Description = "Intel Trust Authority appraisal API: v2 (/appraisal/v2, also Azure TDX CVMs) or v1 (older deployments, TDX only) [default: v2]",
        HelpName = "v1|v2",
    };

    public Option<string?> Nras { get; } = new("--nras")
    {
        Description = "GPU attestation and NVIDIA's remote attestation service (NRAS, needs NVIDIA_API_KEY): off (local verification only), "
            + "prefer (ask NRAS first; when it gives no verdict, local verification decides; its 'no' fails: the original's "
            + "ATTESTATION_PREFER_NRAS=1), require (NRAS's verdict and local verification both required) "
            + "[default: prefer when ATTESTATION_PREFER_NRAS is 1 or true, else off]",
        HelpName = "off|prefer|require",
    };

    public Option<double> ServiceTimeout { get; } = new("--service-timeout")
    {
        Description = "Seconds allowed per attempt of each remote call (MAA, ITA, KBS); each is tried at most 3 times",
        DefaultValueFactory = _ => 10,
        HelpName = "S",
    };

    /// <summary>Opt-in collateral fetching (run, attest: the VCEK when the platform gives none, TDX collateral).</summary>
    public FetchOptions Fetch { get; } = new();

    public CliOptions()
    {
        Tee.AcceptOnlyFromAmong("auto", "none", "simulate");
        Nras.AcceptOnlyFromAmong("off", "prefer", "require");
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Tee);
        command.Options.Add(SimulatorDir);
        command.Options.Add(SimulatedGpus);
        command.Options.Add(TpmSocket);
        command.Options.Add(VmCertificates);
        command.Options.Add(TdxCollateral);
        command.Options.Add(ImdsVcek);
        command.Options.Add(NoImdsVcek);
        command.Options.Add(ImdsTdQuote);
        command.Options.Add(ImdsUrl);
        command.Options.Add(MaaEndpoint);
        command.Options.Add(ItaEndpoint);
        command.Options.Add(ItaApiKey);
        command.Options.Add(ItaJwks);
        command.Options.Add(ItaApiVersion);
        command.Options.Add(Nras);
        command.Options.Add(ServiceTimeout);
    }

    public ServiceCallOptions ToServiceCallOptions(ParseResult parse) =>
        parse.GetValue(ServiceTimeout) is var s && s > 0
            ? new ServiceCallOptions { Timeout = TimeSpan.FromSeconds(s) }
            : throw new UsageException("--service-timeout must be positive");

    /// <summary>The VM token service the flags configure, or null (no remote call).</summary>
    public IVmTokenService? ToVmTokenService(ParseResult parse)
    {
        var maa = parse.GetValue(MaaEndpoint);
        var ita = parse.GetValue(ItaEndpoint);
        if (maa is not null && ita is not null) throw new UsageException("--maa-endpoint and --ita-endpoint exclude each other");
        if (maa is not null)
            return new MaaClient(new MaaOptions { Endpoint = Absolute(maa, "--maa-endpoint"), Calls = ToServiceCallOptions(parse) });
        if (ita is not null)
        {
            string? key = parse.GetValue(ItaApiKey) ?? Environment.GetEnvironmentVariable(ItaOptions.ApiKeyVariable);
            if (string.IsNullOrWhiteSpace(key))
                throw new UsageException($"--ita-endpoint needs an API key: --ita-api-key KEY or ${ItaOptions.ApiKeyVariable}");
            return new ItaClient(new ItaOptions
            {
                Endpoint = Absolute(ita, "--ita-endpoint"),
                ApiKey = key,
                JwksUri = parse.GetValue(ItaJwks) is { } jwks ? Absolute(jwks, "--ita-jwks-url") : null,
                ApiVersion = parse.GetValue(ItaApiVersion) is not { } version ? Attestation.Services.Ita.ItaApiVersion.V2
                    : ItaOptions.TryParseApiVersion(version, out var parsed) ? parsed
                    : throw new UsageException($"--ita-api-version '{version}': expected v1 or v2"),
                Calls = ToServiceCallOptions(parse),
            });
        }
        return null;
    }

    internal static Uri Absolute(string url, string option) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new UsageException($"{option} '{url}': expected an absolute http(s) URL");

    public AttesterOptions ToAttesterOptions(ParseResult parse) => new()
    {
        Mode = parse.GetValue(Tee) switch
        {
            "none" => AttestationMode.None,
            "simulate" => AttestationMode.Simulate,
            _ => AttestationMode.Auto,
        },
        SimulatorDirectory = parse.GetValue(SimulatorDir),
        SimulatedGpuCount = parse.GetValue(SimulatedGpus) is var gpus && gpus is >= 0 and <= 16
            ? gpus
            : throw new UsageException($"--simulated-gpus {parse.GetValue(SimulatedGpus)}: expected 0 to 16"),
        Probe = new TeeProbeOptions { TpmSocket = parse.GetValue(TpmSocket) },
        VmCertificateFiles = ExistingFiles(parse.GetValue(VmCertificates) ?? [], "--vm-cert"),
        TdxCollateralDirectory = parse.GetValue(TdxCollateral) is { } dir
            ? (Directory.Exists(dir) ? dir : throw new UsageException($"--tdx-collateral: directory '{dir}' not found"))
            : null,
        FetchVcekFromImds = FetchVcekFromImds(parse),
        FetchTdQuoteFromImds = parse.GetValue(ImdsTdQuote),
        ImdsAddress = parse.GetValue(ImdsUrl) is { } imds ? Absolute(imds, "--imds-url") : null,
        VmTokenService = ToVmTokenService(parse),
        GpuVerifier = NrasMode(parse) is null ? null : new NrasClient(new NrasOptions { Timeout = ToServiceCallOptions(parse).Timeout }),
        GpuVerifierMode = NrasMode(parse) ?? RemoteGpuVerification.Require,
        CollateralFetcher = parse.CommandResult.Command.Options.Contains(Fetch.Fetch) ? Fetch.Create(parse) : null,
    };

    /// <summary>Adds the <c>--fetch</c> options (commands that attest: run, attest).</summary>
    public void AddFetchTo(Command command) => Fetch.AddTo(command);

    private bool FetchVcekFromImds(ParseResult parse) =>
        !parse.GetValue(NoImdsVcek) ? true
        : parse.GetValue(ImdsVcek) ? throw new UsageException("--imds-vcek and --no-imds-vcek exclude each other")
        : false;

    /// <summary>How GPU attestation uses NRAS (<c>--nras</c>, else ATTESTATION_PREFER_NRAS), or null for not at all.</summary>
    public RemoteGpuVerification? NrasMode(ParseResult parse) => NrasMode(parse, NrasOptions.PreferNrasFromEnvironment());

    /// <summary><see cref="NrasMode(ParseResult)"/> with the environment's answer given.</summary>
    internal RemoteGpuVerification? NrasMode(ParseResult parse, bool preferNrasVariable) =>
        (parse.GetValue(Nras) ?? (preferNrasVariable ? "prefer" : "off")) switch
        {
            "prefer" => RemoteGpuVerification.Prefer,
            "require" => RemoteGpuVerification.Require,
            _ => null,
        };

    private static string[] ExistingFiles(string[] files, string option)
    {
        foreach (var f in files)
        {
            if (!File.Exists(f)) throw new UsageException($"{option}: file '{f}' not found");
        }
        return files;
    }
}
