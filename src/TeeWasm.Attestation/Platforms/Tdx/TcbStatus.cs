namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>TCB status of a platform, TDX module or QE as Intel's TCB info / QE identity collateral names it.</summary>
public enum TcbStatus
{
    /// <summary>"UpToDate": all components are current.</summary>
    UpToDate,

    /// <summary>"SWHardeningNeeded": current, but software mitigations are needed for advisories.</summary>
    SWHardeningNeeded,

    /// <summary>"ConfigurationNeeded": current, but platform configuration is needed for advisories.</summary>
    ConfigurationNeeded,

    /// <summary>"ConfigurationAndSWHardeningNeeded": both of the above.</summary>
    ConfigurationAndSWHardeningNeeded,

    /// <summary>"OutOfDate": a component is older than the latest level.</summary>
    OutOfDate,

    /// <summary>"OutOfDateConfigurationNeeded": out of date and configuration needed.</summary>
    OutOfDateConfigurationNeeded,

    /// <summary>"Revoked": the TCB level is revoked.</summary>
    Revoked,
}

/// <summary>Conversions and Intel QVL status merging for <see cref="TcbStatus"/>.</summary>
public static class TcbStatusExtensions
{
    /// <summary>Parses Intel's status string (e.g. "UpToDate"); false for an unknown one.</summary>
    /// <param name="text">The JSON value.</param>
    /// <param name="status">The status, when the result is true.</param>
    public static bool TryParse(string? text, out TcbStatus status)
    {
        switch (text)
        {
            case "UpToDate": status = TcbStatus.UpToDate; return true;
            case "SWHardeningNeeded": status = TcbStatus.SWHardeningNeeded; return true;
            case "ConfigurationNeeded": status = TcbStatus.ConfigurationNeeded; return true;
            case "ConfigurationAndSWHardeningNeeded": status = TcbStatus.ConfigurationAndSWHardeningNeeded; return true;
            case "OutOfDate": status = TcbStatus.OutOfDate; return true;
            case "OutOfDateConfigurationNeeded": status = TcbStatus.OutOfDateConfigurationNeeded; return true;
            case "Revoked": status = TcbStatus.Revoked; return true;
            default: status = default; return false;
        }
    }

    /// <summary>
    /// Merges a platform status with a TDX module's or QE's status as Intel's QVL does: Revoked wins; an
    /// out-of-date component makes the result OutOfDate (OutOfDateConfigurationNeeded when the platform needs configuration).
    /// </summary>
    /// <param name="platform">The platform TCB status.</param>
    /// <param name="component">The TDX module's or QE's status.</param>
    public static TcbStatus Converge(this TcbStatus platform, TcbStatus component)
    {
        if (platform == TcbStatus.Revoked || component == TcbStatus.Revoked)
        {
            return TcbStatus.Revoked;
        }
        if (component is TcbStatus.OutOfDate or TcbStatus.OutOfDateConfigurationNeeded)
        {
            return platform is TcbStatus.ConfigurationNeeded or TcbStatus.ConfigurationAndSWHardeningNeeded or TcbStatus.OutOfDateConfigurationNeeded
                ? TcbStatus.OutOfDateConfigurationNeeded
                : TcbStatus.OutOfDate;
        }
        return platform;
    }
}
