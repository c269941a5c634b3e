using System.Text;
using System.Text.Json;
using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Platforms.Nvidia;

internal static class NvidiaVectors
{
    public static string Path(string name) => RepoPaths.Vector("nvidia", name);

    public static string Text(string name) => File.ReadAllText(Path(name));

    public static GpuAttestationReport Report(string name) => GpuAttestationReport.ParseHex(Text(name));

    public static byte[] Nonce(string hex) => Convert.FromHexString(hex);

    public const string HopperNonce = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";

    /// <summary>(report bytes, PEM chain, nonce) of each GPU in an SDK evidence JSON.</summary>
    public static List<(byte[] Report, string Pem, byte[] Nonce)> Evidence(string name)
    {
        using var doc = JsonDocument.Parse(Text(name));
        return doc.RootElement.EnumerateArray().Select(e => (
            Convert.FromBase64String(e.GetProperty("evidence").GetString()!),
            Encoding.ASCII.GetString(Convert.FromBase64String(e.GetProperty("certificate").GetString()!)),
            Convert.FromHexString(e.GetProperty("nonce").GetString()!))).ToList();
    }

    /// <summary>A clock stopped at <paramref name="time"/>.</summary>
    public sealed class FixedTime(DateTimeOffset time) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => time;
    }
}
