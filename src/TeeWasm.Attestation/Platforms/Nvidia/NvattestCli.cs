using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>What <see cref="NvattestCli"/> accepted.</summary>
/// <param name="OverallToken">The overall EAT of nvattest's detached EAT (its local verifier's verdict).</param>
/// <param name="ClaimsJson">The <c>claims</c> array as nvattest printed it.</param>
/// <param name="DriverVersion">claims[0]["x-nvidia-gpu-driver-version"], if present.</param>
/// <param name="HardwareModel">claims[0].hwmodel, if present.</param>
public sealed record NvattestResult(string OverallToken, string ClaimsJson, string? DriverVersion, string? HardwareModel);

/// <summary>
/// Fallback GPU attestation through NVIDIA's <c>nvattest</c> CLI (<c>nvattest attest --device gpu --verifier local
/// --nonce HEX</c>), used when NVML cannot be loaded but the CLI is on PATH. Its output is not trusted blindly:
/// <c>result_code</c> must be 0, every claim set must say <c>measres == "success"</c>, and the nonce in the claims
/// (or the overall token) must be ours. nvattest's local tokens are not signed by a key we can pin, so this path
/// is weaker than <see cref="GpuReportVerifier"/> and says so in its note.
/// </summary>
public sealed class NvattestCli
{
    private readonly string _executable;
    private readonly TimeSpan _timeout;

    /// <summary>Creates the fallback for <paramref name="executable"/> (a path, or a name looked up on PATH).</summary>
    public NvattestCli(string executable = "nvattest", TimeSpan? timeout = null)
    {
        _executable = executable;
        _timeout = timeout ?? TimeSpan.FromSeconds(120);
    }

    /// <summary>The full path of the executable when it exists (directly or on PATH), else null.</summary>
    public string? Locate()
    {
        if (_executable.Contains('/')) return File.Exists(_executable) ? Path.GetFullPath(_executable) : null;
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, _executable);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>True when the CLI is available.</summary>
    public bool IsAvailable => Locate() is not null;

    /// <summary>Runs nvattest over <paramref name="nonce"/> and checks its answer.</summary>
    /// <exception cref="NvidiaAttestationException">Reason <see cref="NvidiaFailureReason.Nvattest"/> and what went wrong.</exception>
    public NvattestResult Attest(ReadOnlySpan<byte> nonce)
    {
        string path = Locate() ?? throw Error($"{_executable} is not installed (not found on PATH)");
        string nonceHex = Convert.ToHexStringLower(nonce);
        var psi = new ProcessStartInfo(path, ["attest", "--device", "gpu", "--verifier", "local", "--nonce", nonceHex])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string stdout, stderr;
        int exit;
        try
        {
            using Process process = Process.Start(psi) ?? throw Error($"failed to run {path}");
            Task<string> outTask = process.StandardOutput.ReadToEndAsync();
            Task<string> errTask = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(_timeout))
            {
                process.Kill(entireProcessTree: true);
                throw Error($"nvattest did not finish within {_timeout.TotalSeconds:0} s");
            }
            stdout = outTask.GetAwaiter().GetResult();
            stderr = errTask.GetAwaiter().GetResult();
            exit = process.ExitCode;
        }
        catch (Win32Exception e)
        {
            throw new NvidiaAttestationException(NvidiaFailureReason.Nvattest, $"failed to run nvattest ({path}): {e.Message}", e);
        }
        if (exit != 0) throw Error($"nvattest failed (exit {exit}): {Trim(stderr.Length > 0 ? stderr : stdout)}");
        return Check(stdout, nonceHex);
    }

    /// <summary>Checks nvattest's JSON output for <paramref name="nonceHex"/>.</summary>
    internal static NvattestResult Check(string stdout, string nonceHex)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(stdout);
        }
        catch (JsonException e)
        {
            throw new NvidiaAttestationException(NvidiaFailureReason.Nvattest, "nvattest output is not JSON: " + Trim(stdout), e);
        }
        using (doc)
        {
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("result_code", out JsonElement code) || !code.TryGetInt32(out int resultCode))
                throw Error("nvattest output has no numeric result_code");
            if (resultCode != 0)
            {
                string message = root.TryGetProperty("result_message", out var m) ? m.ToString() : "(no result_message)";
                throw Error($"nvattest attestation failed (result_code {resultCode}): {message}");
            }
            if (!root.TryGetProperty("claims", out JsonElement claims) || claims.ValueKind != JsonValueKind.Array || claims.GetArrayLength() == 0)
                throw Error("nvattest output has no claims");
            foreach (JsonElement c in claims.EnumerateArray())
            {
                string? measres = c.TryGetProperty("measres", out var mr) ? mr.GetString() : null;
                if (measres != "success") throw Error($"nvattest claims say measres '{measres ?? "(absent)"}', not 'success'");
            }
            if (!root.TryGetProperty("detached_eat", out JsonElement eatElement))
                throw Error("nvattest output has no detached_eat");
            NrasDetachedEat eat;
            try
            {
                eat = NrasDetachedEat.Parse(eatElement.GetRawText());
            }
            catch (NvidiaAttestationException e)
            {
                throw new NvidiaAttestationException(NvidiaFailureReason.Nvattest, "nvattest " + e.Message, e);
            }
            NrasJwt overall;
            try
            {
                overall = NrasJwt.Parse(eat.OverallToken);
            }
            catch (NvidiaAttestationException e)
            {
                throw new NvidiaAttestationException(NvidiaFailureReason.Nvattest, "nvattest overall token: " + e.Message, e);
            }
            if (overall.GetBoolean("x-nvidia-overall-att-result") == false)
                throw Error("nvattest overall token says x-nvidia-overall-att-result false");

            var nonces = claims.EnumerateArray().Select(c => c.TryGetProperty("eat_nonce", out var n) ? n.GetString() : null)
                .Append(overall.GetString("eat_nonce")).Where(n => n is not null).ToList();
            if (nonces.Count == 0) throw Error("nvattest output carries no eat_nonce: cannot bind it to our nonce");
            if (nonces.Any(n => !string.Equals(n, nonceHex, StringComparison.OrdinalIgnoreCase)))
                throw Error($"nvattest result is over nonce {nonces.First(n => !string.Equals(n, nonceHex, StringComparison.OrdinalIgnoreCase))}, not ours ({nonceHex})");

            JsonElement first = claims[0];
            return new NvattestResult(eat.OverallToken, claims.GetRawText(),
                first.TryGetProperty("x-nvidia-gpu-driver-version", out var dv) ? dv.GetString() : null,
                first.TryGetProperty("hwmodel", out var hw) ? hw.GetString() : null);
        }
    }

    private static string Trim(string s) => s.Trim() is { Length: > 300 } t ? t[..300] + "…" : s.Trim();

    private static NvidiaAttestationException Error(string message) => new(NvidiaFailureReason.Nvattest, message);
}
