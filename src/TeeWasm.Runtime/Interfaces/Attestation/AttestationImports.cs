using System.Text;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Services.Kbs;
using TeeWasm.Attestation.Tokens;
using TeeWasm.Runtime.Guest;
using Wasmtime;

namespace TeeWasm.Runtime.Interfaces.Attestation;

/// <summary>
/// The <c>wasmtime:attestation</c> host interface, registered under that name and the original guests'
/// <c>wasmtime_attestation</c>. Results go to guest memory allocated by the guest's <c>cabi_realloc</c>.
/// </summary>
public static class AttestationImports
{
    /// <summary>Module name of the design document.</summary>
    public const string ModuleName = "wasmtime:attestation";

    /// <summary>Module name the original guests import.</summary>
    public const string LegacyModuleName = "wasmtime_attestation";

    /// <summary>The longest token or nonce the host reads from a guest.</summary>
    public const int MaxTokenLength = 256 * 1024;

    /// <summary>The longest secret name the host reads from a guest.</summary>
    public const int MaxSecretNameLength = 512;

    /// <summary>Defines every function of the interface under both module names.</summary>
    /// <param name="linker">The linker to define them in.</param>
    /// <param name="guest">Guest memory access.</param>
    /// <param name="attester">Attestation for the guest.</param>
    /// <param name="filter">
    /// What the guest sees of each VM and GPU result (the host's policy gate turns results its policy refuses into
    /// failures naming the violations); null hands the guest the results as they are.
    /// </param>
    /// <param name="secrets">Where <c>get_secret</c> gets secrets (the key broker client); null answers every request with "no key broker configured".</param>
    public static void Define(Linker linker, GuestContext guest, Attester attester,
        AttestationResultFilter? filter = null, ISecretProvider? secrets = null)
    {
        secrets ??= NoSecretProvider.Instance;
        filter ??= static (result, _) => result;
        foreach (var module in new[] { ModuleName, LegacyModuleName })
        {
            linker.DefineFunction(module, "attest_vm", (Caller c) =>
                guest.Allocator.WriteLengthPrefixed(c, "attest_vm", filter(attester.AttestVm(), []).JsonUtf8));

            linker.DefineFunction(module, "attest_gpu", (Caller c, int index) =>
                guest.Allocator.WriteLengthPrefixed(c, "attest_gpu", filter(attester.AttestGpu(index), []).JsonUtf8));

            linker.DefineFunction(module, "attest_vm_nonce", (Caller c, int ptr, int len) =>
                guest.ReadBytes(c, "attest_vm_nonce", ptr, len, ReportDataBinding.MaxNonceLength) is { } nonce
                    ? guest.Allocator.WriteLengthPrefixed(c, "attest_vm_nonce", filter(attester.AttestVm(nonce), nonce).JsonUtf8)
                    : 0);

            linker.DefineFunction(module, "attest_gpu_nonce", (Caller c, int index, int ptr, int len) =>
                guest.ReadBytes(c, "attest_gpu_nonce", ptr, len, ReportDataBinding.MaxNonceLength) is { } nonce
                    ? guest.Allocator.WriteLengthPrefixed(c, "attest_gpu_nonce", filter(attester.AttestGpu(index, nonce), nonce).JsonUtf8)
                    : 0);

            linker.DefineFunction(module, "attest_all", (Caller c, int ptr, int len) =>
                guest.ReadBytes(c, "attest_all", ptr, len, ReportDataBinding.MaxNonceLength) is { } nonce
                    ? guest.Allocator.WriteLengthPrefixed(c, "attest_all", Filter(attester.AttestAll(nonce), filter, nonce).ToJsonUtf8())
                    : 0);

            linker.DefineFunction(module, "measurement_log", (Caller c) =>
                guest.Allocator.WriteLengthPrefixed(c, "measurement_log", MeasurementLogJson(attester)));

            linker.DefineFunction(module, "verify_token", (Caller c, int ptr, int len) =>
                ReadToken(c, guest, "verify_token", ptr, len) is { } token && attester.VerifyToken(token).Valid ? 1 : 0);

            linker.DefineFunction(module, "verify_token_json", (Caller c, int ptr, int len) =>
            {
                var verdict = ReadToken(c, guest, "verify_token_json", ptr, len) is { } token
                    ? attester.VerifyToken(token)
                    : TokenVerification.Reject("token could not be read from guest memory (bad pointer, length or UTF-8)");
                return guest.Allocator.WriteLengthPrefixed(c, "verify_token_json", verdict.ToJsonUtf8());
            });

            linker.DefineFunction(module, "get_secret", (Caller c, int ptr, int len) =>
            {
                var result = ReadToken(c, guest, "get_secret", ptr, len, MaxSecretNameLength) is { } name
                    ? secrets.GetSecret(name)
                    : SecretResult.Failure("", "secret name could not be read from guest memory (bad pointer, length or UTF-8)");
                return guest.Allocator.WriteLengthPrefixed(c, "get_secret", result.ToJsonUtf8());
            });

            linker.DefineFunction(module, "clear_cache", () => attester.ClearCache());

            linker.DefineFunction(module, "detect_tee", (Caller c) =>
                guest.Allocator.WriteLengthPrefixed(c, "detect_tee", attester.DetectTee().ToJsonUtf8()));
        }
    }

    /// <summary>
    /// A composite result as the guest sees it: each device's result passes through <paramref name="filter"/> (the
    /// policy gate); a device it refuses fails the whole result, named.
    /// </summary>
    private static CompositeAttestationResult Filter(CompositeAttestationResult result, AttestationResultFilter filter, ReadOnlySpan<byte> nonce)
    {
        if (!result.Success) return result;
        var refused = new List<string>();
        foreach (DeviceAttestation d in result.Devices)
        {
            AttestationResult seen = filter(d.Result, nonce);
            if (!seen.Success) refused.Add($"{d.Label}: {seen.Error}");
        }
        return refused.Count == 0 ? result : result with { Success = false, Token = null, Error = string.Join("; ", refused) };
    }

    /// <summary><c>{"algorithm":"sha256","value":HEX,"length":N,"workload_sha256":HEX|null}</c>: the run's measurement log now.</summary>
    private static byte[] MeasurementLogJson(Attester attester)
    {
        MeasurementLogValue log = attester.MeasurementLog?.Current ?? new MeasurementLogValue(RuntimeMeasurementLog.InitialValue.ToArray(), 0);
        using var buffer = new MemoryStream(192);
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("algorithm", "sha256");
            w.WriteString("value", log.Hex);
            w.WriteNumber("length", log.Entries);
            if (attester.Workload is { } workload) w.WriteString("workload_sha256", workload.DigestHex);
            else w.WriteNull("workload_sha256");
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string? ReadToken(Caller caller, GuestContext guest, string function, int ptr, int len, int max = MaxTokenLength)
    {
        if (guest.ReadBytes(caller, function, ptr, len, max) is not { } bytes) return null;
        try
        {
            return s_strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            guest.Log($"{function}: token is not valid UTF-8; returning 0");
            return null;
        }
    }
}
