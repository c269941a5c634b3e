using System.CommandLine;
using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Services.Kbs;

namespace TeeWasm.Cli.CommandLine;

/// <summary>The key broker client's options, shared by <c>run --kbs</c> and <c>kbs get</c>.</summary>
internal sealed class KbsClientCliOptions
{
    public Option<string> Evidence { get; } = new("--kbs-evidence")
    {
        Description = "Evidence sent to the key broker: teewasm (TeeWasm's evidence JSON; report_data binds the guest module, host key and the broker's nonce and TEE key, so module_hashes rules of `tee-wasm kbs serve` work; a real Trustee KBS refuses it) or trustee (Trustee KBS protocol 0.4.0: snp/tdx evidence in Trustee's formats, report_data = SHA-384 of the canonical runtime data {nonce, tee-pubkey}; on an Azure CVM az-snp-vtpm/az-tdx-vtpm evidence, that hash as vTPM quote nonce and HCL user-data (TDX also needs --imds-tdquote); works with a real Trustee KBS and with `tee-wasm kbs serve`, but binds no module, so module_hashes rules refuse it)",
        DefaultValueFactory = _ => "teewasm",
    };

    public Option<string> Key { get; } = new("--kbs-key")
    {
        Description = "TEE key made for each key broker session, to which the broker encrypts secrets: ec-p256 (ECDH-ES+A256KW, guest-components' default; fast) or rsa-2048 (RSA-OAEP-256, for brokers that take only RSA; ~0.1-0.3 s to make)",
        DefaultValueFactory = _ => "ec-p256",
    };

    public KbsClientCliOptions()
    {
        Evidence.AcceptOnlyFromAmong("teewasm", "trustee");
        Key.AcceptOnlyFromAmong("ec-p256", "rsa-2048");
    }

    /// <summary>The client's settings for the broker at <paramref name="endpoint"/>.</summary>
    public KbsClientOptions ToOptions(ParseResult parse, Uri endpoint, ServiceCallOptions calls) => new()
    {
        Endpoint = endpoint,
        Calls = calls,
        Evidence = parse.GetValue(Evidence) == "trustee" ? KbsEvidenceFormat.Trustee : KbsEvidenceFormat.TeeWasm,
        TeeKey = parse.GetValue(Key) == "rsa-2048" ? TeeKeyKind.Rsa2048 : TeeKeyKind.EcP256,
    };
}
