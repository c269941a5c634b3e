using System.CommandLine;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Detection;

namespace TeeWasm.Cli;

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

    public Option<string?> TpmSocket { get; } = new("--tpm-socket")
    {
        Description = "Use a TPM at HOST:PORT (e.g. swtpm) instead of /dev/tpmrm0",
        HelpName = "HOST:PORT",
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
        Description = "Azure CVM: fetch the VCEK from the Azure IMDS (169.254.169.254) when no --vm-cert is given (off by default: no network)",
    };

    public CliOptions()
    {
        Tee.AcceptOnlyFromAmong("auto", "none", "simulate");
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Tee);
        command.Options.Add(SimulatorDir);
        command.Options.Add(TpmSocket);
        command.Options.Add(VmCertificates);
        command.Options.Add(TdxCollateral);
        command.Options.Add(ImdsVcek);
    }

    public AttesterOptions ToAttesterOptions(ParseResult parse) => new()
    {
        Mode = parse.GetValue(Tee) switch
        {
            "none" => AttestationMode.None,
            "simulate" => AttestationMode.Simulate,
            _ => AttestationMode.Auto,
        },
        SimulatorDirectory = parse.GetValue(SimulatorDir),
        Probe = new TeeProbeOptions { TpmSocket = parse.GetValue(TpmSocket) },
        VmCertificateFiles = ExistingFiles(parse.GetValue(VmCertificates) ?? [], "--vm-cert"),
        TdxCollateralDirectory = parse.GetValue(TdxCollateral) is { } dir
            ? (Directory.Exists(dir) ? dir : throw new UsageException($"--tdx-collateral: directory '{dir}' not found"))
            : null,
        AzureVtpm = new Attestation.AzureVtpm.AzureVtpmOptions { FetchVcekFromImds = parse.GetValue(ImdsVcek) },
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
