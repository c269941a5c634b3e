namespace TeeWasm.Runtime.Hosting;

/// <summary>A host directory preopened for the guest.</summary>
/// <param name="HostPath">The directory on the host.</param>
/// <param name="GuestPath">The name the guest opens it by.</param>
public sealed record DirectoryMapping(string HostPath, string GuestPath)
{
    /// <summary>
    /// Parses <c>HOST[::GUEST]</c>. Without <c>::GUEST</c> the guest name is the host path's last component
    /// (<c>../data</c> → <c>data</c>, <c>.</c> → <c>.</c>), as the original host did.
    /// </summary>
    public static DirectoryMapping Parse(string spec)
    {
        if (string.IsNullOrWhiteSpace(spec)) throw new FormatException("--dir needs a directory");
        int sep = spec.IndexOf("::", StringComparison.Ordinal);
        string host = sep >= 0 ? spec[..sep] : spec;
        string? guest = sep >= 0 ? spec[(sep + 2)..] : null;
        if (host.Length == 0) throw new FormatException($"--dir '{spec}': host directory is empty");
        if (guest is { Length: 0 }) throw new FormatException($"--dir '{spec}': guest name after '::' is empty");
        return new DirectoryMapping(host, guest ?? DefaultGuestName(host));
    }

    private static string DefaultGuestName(string host)
    {
        string trimmed = host.TrimEnd('/');
        if (trimmed.Length == 0) return "/";
        string name = Path.GetFileName(trimmed);
        return name is "" or "." or ".." ? "." : name;
    }
}
