using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Tpm;

namespace TeeWasm.Attestation.Platforms.AzureVtpm;

/// <summary>Settings of the Azure confidential-VM (vTPM) evidence source.</summary>
public sealed record AzureVtpmOptions
{
    /// <summary>The path of the IMDS's THIM endpoint that serves the VCEK and its chain.</summary>
    public const string ThimPath = "/metadata/THIM/amd/certification";

    /// <summary>Default Azure IMDS (THIM) endpoint that serves the VCEK and its chain.</summary>
    public const string DefaultImdsEndpoint = "http://169.254.169.254" + ThimPath;

    /// <summary>Files (PEM or DER) holding the VCEK and optionally ASK/ARK for an SNP report inside the HCL report.</summary>
    public IReadOnlyList<string> CertificateFiles { get; init; } = [];

    /// <summary>Certificates given directly (in addition to <see cref="CertificateFiles"/>).</summary>
    public IReadOnlyList<X509Certificate2> Certificates { get; init; } = [];

    /// <summary>ARKs to trust; null trusts AMD's (tests pass their own).</summary>
    public IReadOnlyList<X509Certificate2>? TrustedRoots { get; init; }

    /// <summary>The persistent handle of the attestation key (Azure: 0x81000003).</summary>
    public uint AttestationKeyHandle { get; init; } = Tpm2Client.AzureAkHandle;

    /// <summary>The PCRs to quote (default SHA-256 PCRs 0..23).</summary>
    public TpmPcrSelection PcrSelection { get; init; } = TpmPcrSelection.AllSha256;

    /// <summary>
    /// When no VCEK is configured, fetch it from the Azure IMDS (<see cref="ImdsEndpoint"/>, header Metadata:true).
    /// Off in this record; the attester's <c>AttesterOptions.FetchVcekFromImds</c> (on by default: this source runs only on an
    /// Azure CVM, and the IMDS is link-local) turns it on for the attester.
    /// </summary>
    public bool FetchVcekFromImds { get; init; }

    /// <summary>The IMDS THIM endpoint.</summary>
    public string ImdsEndpoint { get; init; } = DefaultImdsEndpoint;

    /// <summary>Timeout of the IMDS request.</summary>
    public TimeSpan ImdsTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Opt-in: when the vTPM holds a TDX HCL report, get a TD quote for its TDREPORT from the Azure IMDS
    /// (<see cref="ImdsTdQuoteClient"/> at <see cref="TdQuoteBaseUri"/>). Off by default (no network); without it a TDX
    /// HCL report cannot be attested (a TDREPORT is MAC'd, not signed). Never used for an SNP HCL report.
    /// </summary>
    public bool FetchTdQuoteFromImds { get; init; }

    /// <summary>The IMDS base address for TD quotes (<c>/acc/tdquote</c> is appended); default the IMDS address.</summary>
    public Uri TdQuoteBaseUri { get; init; } = ImdsTdQuoteClient.DefaultBaseUri;

    /// <summary>Timeout, retries and handler of the TD quote request.</summary>
    public Http.ServiceCallOptions TdQuoteCalls { get; init; } = new();

    /// <summary>
    /// Opt-in (Intel Trust Authority): before the HCL report is read, write the 64-byte report_data binding to NV index
    /// <see cref="AzureVtpmEvidenceSource.UserDataNvIndex"/> (defining it when absent), as Intel's go-aztdx does; the
    /// paravisor then puts it in the HCL runtime claims' <c>user-data</c>, which the TD quote's report_data binds. The
    /// HCL report read back must carry it, or the evidence is rejected.
    /// </summary>
    public bool WriteHclUserData { get; init; }

    /// <summary>Intel collateral to evaluate the TD quote's TCB status; null checks the quote's signature chain only.</summary>
    public TdxCollateral? TdxCollateral { get; init; }

    /// <summary>Test hook: a root to trust for TD quotes instead of the pinned Intel SGX Root CA. Never set in production.</summary>
    internal X509Certificate2? TdxTrustedRootOverride { get; init; }
}
