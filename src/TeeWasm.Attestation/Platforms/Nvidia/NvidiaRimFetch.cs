using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>
/// The RIMs a GPU report is appraised with, asked of an <see cref="ICollateralFetcher"/> (NVIDIA's RIM service) by the
/// ids NVIDIA's verifier uses: <c>NV_GPU_DRIVER_{chip}_{driver version}</c> and
/// <c>NV_GPU_VBIOS_{project}_{project SKU}_{chip SKU}_{VBIOS version without dots}</c> (upper case), the chip (GH100,
/// GB100) from the device certificate's name.
/// </summary>
public static class NvidiaRimFetch
{
    /// <summary>The driver and VBIOS RIM ids of a report, as far as it names them.</summary>
    public static IReadOnlyList<string> RimIds(GpuAttestationReport report, string? chip)
    {
        ArgumentNullException.ThrowIfNull(report);
        var ids = new List<string>();
        NvidiaOpaqueData o = report.OpaqueData;
        if (chip is not null && o.DriverVersion is { } driver) ids.Add($"NV_GPU_DRIVER_{chip}_{driver}");
        if (o.Project is { } project && o.ProjectSku is { } sku && o.ChipSku is { } chipSku && o.VbiosVersion is { } vbios)
            ids.Add($"NV_GPU_VBIOS_{project}_{sku}_{chipSku}_{vbios.Replace(".", "", StringComparison.Ordinal)}".ToUpperInvariant());
        return ids;
    }

    /// <summary>The chip of a device chain ("GH100" of "GH100 A01 GSP FMC LF"), or null.</summary>
    public static string? ChipOf(IReadOnlyList<X509Certificate2> chain) =>
        chain.Count > 0 && X509.CertificateChain.Name(chain[0]).Split(' ')[0] is { Length: > 0 } first && first.StartsWith('G') ? first : null;

    /// <summary>Fetches the RIMs of every report that parses; a RIM the service does not have is left out (the appraisal then says "RIM not available").</summary>
    /// <returns>The RIMs, and one line per RIM that could not be had.</returns>
    public static (IReadOnlyList<NvidiaRim> Rims, IReadOnlyList<string> Missing) For(ICollateralFetcher fetcher, IEnumerable<(byte[] Report, IReadOnlyList<X509Certificate2> Chain)> gpus)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        var rims = new List<NvidiaRim>();
        var missing = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (bytes, chain) in gpus)
        {
            if (!GpuAttestationReport.TryParse(bytes, out GpuAttestationReport? report, out _)) continue;
            foreach (string id in RimIds(report!, ChipOf(chain)))
            {
                if (!seen.Add(id)) continue;
                try
                {
                    CollateralItem item = fetcher.Fetch(new CollateralRequest { Kind = CollateralKind.NvidiaRim, RimId = id });
                    rims.Add(NvidiaRim.Parse(System.Text.Encoding.UTF8.GetString(item.Body)));
                }
                catch (Exception e) when (e is CollateralUnavailableException or NvidiaAttestationException)
                {
                    missing.Add($"{id}: {e.Message}");
                }
            }
        }
        return (rims, missing);
    }
}
