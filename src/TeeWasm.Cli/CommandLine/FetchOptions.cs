using System.CommandLine;
using TeeWasm.Attestation.Services.Collateral;

namespace TeeWasm.Cli.CommandLine;

/// <summary>The options of opt-in collateral fetching (<c>--fetch</c>), shared by <c>verify</c>, <c>run</c>, <c>attest</c> and <c>kbs serve</c>.</summary>
internal sealed class FetchOptions
{
    public Option<bool> Fetch { get; } = new("--fetch")
    {
        Description = "Fetch what the evidence needs from its vendor (off by default: no network): AMD KDS (VCEK by chip id and reported TCB, ASK/ARK, CRL), Intel PCS v4 (TCB info by FMSPC, TD QE identity, PCK and root CA CRLs with their issuer chains), NVIDIA's RIM service and OCSP responder (GPU device and RIM signing chains); answers are cached by URL until their nextUpdate",
    };

    public Option<bool> Offline { get; } = new("--offline")
    {
        Description = "Use no network: with --fetch, only fresh entries of the collateral cache; a bundle (attest --bundle) or receipt is verified with its own collateral only",
    };

    public Option<string?> CacheDir { get; } = new("--collateral-cache") { Description = "Where fetched collateral is cached [default: $XDG_CACHE_HOME/tee-wasm/collateral]", HelpName = "DIR" };

    public Option<string?> KdsUrl { get; } = new("--kds-url") { Description = $"AMD KDS base URL [default: {CollateralFetcherOptions.DefaultKdsUrl.GetLeftPart(UriPartial.Authority)}]", HelpName = "URL" };

    public Option<string?> PcsUrl { get; } = new("--pcs-url") { Description = $"Intel PCS base URL [default: {CollateralFetcherOptions.DefaultPcsUrl.GetLeftPart(UriPartial.Authority)}]", HelpName = "URL" };

    public Option<string?> RootCrlUrl { get; } = new("--intel-root-crl-url") { Description = $"Intel SGX Root CA CRL [default: {CollateralFetcherOptions.DefaultIntelRootCaCrlUrl}]", HelpName = "URL" };

    public Option<string?> RimUrl { get; } = new("--rim-url") { Description = $"NVIDIA RIM service base URL [default: {CollateralFetcherOptions.DefaultRimUrl.GetLeftPart(UriPartial.Authority)}]", HelpName = "URL" };

    public Option<string?> OcspUrl { get; } = new("--ocsp-url") { Description = $"NVIDIA OCSP responder for the GPU device and RIM signing chains [default: {CollateralFetcherOptions.DefaultOcspUrl.GetLeftPart(UriPartial.Authority)}]", HelpName = "URL" };

    public Option<double> Timeout { get; } = new("--fetch-timeout")
    {
        Description = "Seconds allowed per attempt of each fetch; each is tried at most 3 times (429 Retry-After up to 10 s is honoured)",
        DefaultValueFactory = _ => 10,
        HelpName = "S",
    };

    public void AddTo(Command command)
    {
        foreach (Option o in (Option[])[Fetch, Offline, CacheDir, KdsUrl, PcsUrl, RootCrlUrl, RimUrl, OcspUrl, Timeout]) command.Options.Add(o);
    }

    /// <summary>The fetcher the options ask for, or null without <c>--fetch</c>.</summary>
    /// <param name="parse">The command line.</param>
    /// <param name="log">Where to log what is fetched, or null.</param>
    /// <param name="offlineAlone">True when <c>--offline</c> means something without <c>--fetch</c> (a bundle or receipt to verify).</param>
    public CollateralFetcher? Create(ParseResult parse, TextWriter? log = null, bool offlineAlone = false)
    {
        bool fetch = parse.GetValue(Fetch);
        string[] needFetch = [.. new[] { ("--offline", parse.GetValue(Offline) && !offlineAlone), ("--collateral-cache", parse.GetValue(CacheDir) is not null),
            ("--kds-url", parse.GetValue(KdsUrl) is not null), ("--pcs-url", parse.GetValue(PcsUrl) is not null),
            ("--intel-root-crl-url", parse.GetValue(RootCrlUrl) is not null), ("--rim-url", parse.GetValue(RimUrl) is not null), ("--ocsp-url", parse.GetValue(OcspUrl) is not null) }
            .Where(o => o.Item2).Select(o => o.Item1)];
        if (!fetch)
        {
            if (needFetch.Length > 0) throw new UsageException($"{string.Join(", ", needFetch)} appl{(needFetch.Length == 1 ? "ies" : "y")} only with --fetch");
            return null;
        }
        double seconds = parse.GetValue(Timeout);
        if (seconds <= 0) throw new UsageException("--fetch-timeout must be positive");
        var defaults = new CollateralFetcherOptions();
        try
        {
            return new CollateralFetcher(new CollateralFetcherOptions
            {
                KdsUrl = Url(parse.GetValue(KdsUrl), "--kds-url") ?? defaults.KdsUrl,
                PcsUrl = Url(parse.GetValue(PcsUrl), "--pcs-url") ?? defaults.PcsUrl,
                IntelRootCaCrlUrl = Url(parse.GetValue(RootCrlUrl), "--intel-root-crl-url") ?? defaults.IntelRootCaCrlUrl,
                RimUrl = Url(parse.GetValue(RimUrl), "--rim-url") ?? defaults.RimUrl,
                OcspUrl = Url(parse.GetValue(OcspUrl), "--ocsp-url") ?? defaults.OcspUrl,
                Timeout = TimeSpan.FromSeconds(seconds),
                CacheDirectory = parse.GetValue(CacheDir) ?? CollateralFetcherOptions.DefaultCacheDirectory,
                Offline = parse.GetValue(Offline),
            }, log is null ? null : line => log.WriteLine(line));
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static Uri? Url(string? text, string option) => text is null ? null : CliOptions.Absolute(text, option);
}
