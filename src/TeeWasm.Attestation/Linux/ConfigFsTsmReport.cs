using System.Globalization;
using System.Text;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Inputs;

namespace TeeWasm.Attestation.Linux;

/// <summary>What one configfs-tsm report request returned.</summary>
/// <param name="OutBlob">The report or quote the provider produced.</param>
/// <param name="AuxBlob">The auxiliary blob (SEV-SNP: the certificate table), or null when not asked for or empty.</param>
public sealed record ConfigFsTsmReportResult(byte[] OutBlob, byte[]? AuxBlob);

/// <summary>
/// One report request through Linux configfs-tsm (Documentation/ABI/testing/configfs-tsm-report, Linux 6.7+): makes an
/// entry under the report directory, checks its <c>provider</c>, writes <c>inblob</c> (and <c>privlevel</c>), reads
/// <c>outblob</c> (and <c>auxblob</c>), checks <c>generation</c> counted exactly our writes (else another writer raced
/// the entry), and removes the entry if it made it. The SEV-SNP and TDX evidence sources and the detector share it.
/// </summary>
public static class ConfigFsTsmReport
{
    /// <summary>The report directory on Linux.</summary>
    public const string DefaultRoot = "/sys/kernel/config/tsm/report";

    /// <summary>The provider name of the SEV-SNP guest driver.</summary>
    public const string SevGuestProvider = "sev_guest";

    /// <summary>The provider name of the TDX guest driver.</summary>
    public const string TdxGuestProvider = "tdx_guest";

    private const string ProviderFile = "provider";
    private const string InBlobFile = "inblob";
    private const string PrivLevelFile = "privlevel";
    private const string OutBlobFile = "outblob";
    private const string AuxBlobFile = "auxblob";
    private const string GenerationFile = "generation";

    /// <summary>
    /// The provider of the report directory <paramref name="root"/> ("sev_guest", "tdx_guest"), read through a probe
    /// entry named <paramref name="entryName"/>; null when configfs-tsm is absent or unreadable. Never throws.
    /// </summary>
    public static string? TryReadProvider(string root, string entryName)
    {
        if (!Directory.Exists(root)) return null;
        string entry = Path.Combine(root, entryName);
        bool created = !Directory.Exists(entry);
        try
        {
            Directory.CreateDirectory(entry);
            string providerFile = Path.Combine(entry, ProviderFile);
            return File.Exists(providerFile) ? ReadText(providerFile) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        finally
        {
            if (created) TryRemoveEntry(entry);
        }
    }

    /// <summary>Requests a report from the provider of <paramref name="root"/>.</summary>
    /// <param name="root">The report directory (tests point it at a plain directory).</param>
    /// <param name="entryName">The entry to use; null for a fresh unique one.</param>
    /// <param name="expectedProvider">The provider the entry must report, e.g. <see cref="SevGuestProvider"/>.</param>
    /// <param name="inBlob">The report data to write to <c>inblob</c>.</param>
    /// <param name="privilegeLevel">A value for <c>privlevel</c>, or null to leave it alone.</param>
    /// <param name="readAuxBlob">Whether to read <c>auxblob</c> (a failed or empty read gives null).</param>
    /// <exception cref="AttestationException">configfs-tsm is absent, another provider answers, the request fails, or another writer raced the entry.</exception>
    public static ConfigFsTsmReportResult Request(string root, string? entryName, string expectedProvider,
        ReadOnlySpan<byte> inBlob, uint? privilegeLevel = null, bool readAuxBlob = false)
    {
        if (!Directory.Exists(root)) throw new AttestationException($"configfs-tsm not available at {root}");
        string entry = Path.Combine(root, entryName ?? $"teewasm-{Environment.ProcessId}-{Guid.NewGuid():N}");
        bool created = !Directory.Exists(entry);
        try
        {
            Directory.CreateDirectory(entry);
            long? generation = ReadGeneration(entry);
            string provider = ReadText(Path.Combine(entry, ProviderFile));
            if (provider != expectedProvider)
                throw new AttestationException($"configfs-tsm provider is '{provider}', not '{expectedProvider}'");

            int writes = 0;
            File.WriteAllBytes(Path.Combine(entry, InBlobFile), inBlob.ToArray());
            writes++;
            if (privilegeLevel is uint level)
            {
                File.WriteAllText(Path.Combine(entry, PrivLevelFile), level.ToString(CultureInfo.InvariantCulture));
                writes++;
            }
            byte[] outBlob = BoundedRead.File(Path.Combine(entry, OutBlobFile), InputLimits.Evidence, "configfs-tsm outblob");
            byte[]? auxBlob = readAuxBlob ? TryReadAll(Path.Combine(entry, AuxBlobFile)) : null;
            // The kernel counts every write to the entry's attributes: anything but our own writes means another writer
            // changed the request between our inblob and our outblob read.
            if (generation is long before && ReadGeneration(entry) is long after && after != before + writes)
                throw new AttestationException($"configfs-tsm entry {entry} was changed by another writer (generation {after}, expected {before + writes})");
            return new ConfigFsTsmReportResult(outBlob, auxBlob is { Length: > 0 } ? auxBlob : null);
        }
        catch (IOException e)
        {
            throw new AttestationException($"configfs-tsm report request in {entry} failed: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new AttestationException($"configfs-tsm report request in {entry} was denied: {e.Message}", e);
        }
        finally
        {
            if (created) TryRemoveEntry(entry);
        }
    }

    private static string ReadText(string path) => File.ReadAllText(path, Encoding.ASCII).Trim('\n', '\0', ' ');

    private static long? ReadGeneration(string entry)
    {
        string path = Path.Combine(entry, GenerationFile);
        if (!File.Exists(path)) return null;
        return long.TryParse(ReadText(path), NumberStyles.Integer, CultureInfo.InvariantCulture, out long g) ? g : null;
    }

    private static byte[]? TryReadAll(string path)
    {
        try
        {
            return File.Exists(path) ? BoundedRead.File(path, InputLimits.Evidence, "configfs-tsm auxblob") : null;
        }
        catch (IOException)
        {
            return null; // the kernel fails the read when the host supplied no auxiliary data
        }
    }

    /// <summary>rmdir the entry: configfs removes its attribute files with it; a plain (test) directory that still holds files stays.</summary>
    private static void TryRemoveEntry(string entry)
    {
        try
        {
            Directory.Delete(entry, recursive: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // best effort: the report is already read
        }
    }
}
