using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Runtime.Hosting;

/// <summary>A host directory preopened for the guest.</summary>
/// <param name="HostPath">The directory on the host.</param>
/// <param name="GuestPath">The name the guest opens it by.</param>
/// <param name="Access">What the guest may do in it (read-write unless asked otherwise).</param>
public sealed record DirectoryMapping(string HostPath, string GuestPath, DirectoryAccess Access = DirectoryAccess.ReadWrite)
{
    /// <summary>
    /// Parses <c>HOST[::GUEST[::ro|rw]]</c>. Without <c>::GUEST</c> the guest name is the host path's last component
    /// (<c>../data</c> → <c>data</c>, <c>.</c> → <c>.</c>), as the original host did; <c>::ro</c> after the guest name makes
    /// the directory read-only for the guest.
    /// </summary>
    public static DirectoryMapping Parse(string spec)
    {
        if (string.IsNullOrWhiteSpace(spec)) throw new FormatException("--dir needs a directory");
        string[] parts = spec.Split("::");
        if (parts.Length > 3) throw new FormatException($"--dir '{spec}': expected HOST[::GUEST[::ro|rw]]");
        string host = parts[0];
        string? guest = parts.Length > 1 ? parts[1] : null;
        if (host.Length == 0) throw new FormatException($"--dir '{spec}': host directory is empty");
        if (guest is { Length: 0 }) throw new FormatException($"--dir '{spec}': guest name after '::' is empty");
        DirectoryAccess access = parts.Length < 3 ? DirectoryAccess.ReadWrite : parts[2] switch
        {
            "ro" => DirectoryAccess.ReadOnly,
            "rw" => DirectoryAccess.ReadWrite,
            _ => throw new FormatException($"--dir '{spec}': access '{parts[2]}' is neither ro nor rw"),
        };
        return new DirectoryMapping(host, guest ?? DefaultGuestName(host), access);
    }

    private static string DefaultGuestName(string host)
    {
        string trimmed = host.TrimEnd('/');
        if (trimmed.Length == 0) return "/";
        string name = Path.GetFileName(trimmed);
        return name is "" or "." or ".." ? "." : name;
    }
}
