using System.Buffers.Binary;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Tpm;

namespace TeeWasm.Attestation.Linux;

/// <summary>
/// Finds out which TEE the host runs in. Order: Azure CVM (vTPM with a readable HCL report, whose type says SNP or TDX),
/// configfs-tsm provider, the SNP and TDX guest devices, then plain SEV; otherwise none.
/// </summary>
public sealed class TeeDetector
{
    private const string TsmProbeEntry = "tee-wasm-probe";
    // HCL report: 32-byte header, 1184-byte hardware report, then IGVM request data whose third u32 is the report type.
    private const int HclReportTypeOffset = 32 + 1184 + 8;
    private const uint HclReportTypeSnp = 2;
    private const uint HclReportTypeTdx = 4;

    private readonly TeeProbeOptions _options;

    /// <summary>Creates a detector over the given probe paths.</summary>
    public TeeDetector(TeeProbeOptions? options = null) => _options = options ?? new TeeProbeOptions();

    /// <summary>Probes the platform. Never throws for an absent or unreadable probe: that probe simply finds nothing.</summary>
    public TeeDetection Detect()
    {
        if (TryDetectAzure() is { } azure) return azure;

        switch (ConfigFsTsmReport.TryReadProvider(_options.TsmReportRoot, TsmProbeEntry))
        {
            case ConfigFsTsmReport.SevGuestProvider: return new TeeDetection(TeeType.AmdSevSnp, Source: _options.TsmReportRoot, Interface: TeeInterface.ConfigFsTsm);
            case ConfigFsTsmReport.TdxGuestProvider: return new TeeDetection(TeeType.IntelTdx, Source: _options.TsmReportRoot, Interface: TeeInterface.ConfigFsTsm);
        }
        if (File.Exists(_options.SevGuestDevice)) return new TeeDetection(TeeType.AmdSevSnp, Source: _options.SevGuestDevice, Interface: TeeInterface.SevGuestDevice);
        foreach (var tdx in _options.TdxGuestDevices)
        {
            if (File.Exists(tdx)) return new TeeDetection(TeeType.IntelTdx, Source: tdx, Interface: TeeInterface.TdxGuestDevice);
        }
        if (Directory.Exists(_options.SevFirmwareDirectory)) return new TeeDetection(TeeType.AmdSev, Source: _options.SevFirmwareDirectory, Interface: TeeInterface.SevFirmware);
        return new TeeDetection(TeeType.None);
    }

    /// <summary>Opens the configured TPM (socket or device), or returns null when there is none.</summary>
    public ITpmTransport? OpenTpm()
    {
        if (_options.TpmSocket is { } socket)
        {
            if (socket.StartsWith('/')) return new TpmSocketTransport(socket);
            int colon = socket.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(socket.AsSpan(colon + 1), out int port))
                throw new TpmException($"TPM socket '{socket}' is not HOST:PORT or the path of a Unix socket");
            return new TpmSocketTransport(socket[..colon], port);
        }
        return File.Exists(_options.TpmDevice) ? new TpmDeviceTransport(_options.TpmDevice) : null;
    }

    private TeeDetection? TryDetectAzure()
    {
        try
        {
            using var transport = OpenTpm();
            if (transport is null) return null;
            using var tpm = new Tpm2Client(transport);
            if (tpm.TryGetNvSize(TeeProbeOptions.AzureHclReportNvIndex) is null) return null;
            var hcl = tpm.ReadNv(TeeProbeOptions.AzureHclReportNvIndex);
            if (hcl.Length < HclReportTypeOffset + 4) return null;
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(hcl.AsSpan(HclReportTypeOffset));
            string source = $"vTPM NV 0x{TeeProbeOptions.AzureHclReportNvIndex:x8}";
            return type switch
            {
                HclReportTypeSnp => new TeeDetection(TeeType.AmdSevSnp, Source: source, Interface: TeeInterface.AzureVtpm),
                HclReportTypeTdx => new TeeDetection(TeeType.IntelTdx, Source: source, Interface: TeeInterface.AzureVtpm),
                _ => null,
            };
        }
        catch (AttestationException) { return null; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
