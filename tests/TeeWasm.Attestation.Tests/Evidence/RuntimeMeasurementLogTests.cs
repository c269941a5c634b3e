using System.Security.Cryptography;
using System.Text;
using CsCheck;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Tests.Evidence;

public sealed class RuntimeMeasurementLogTests
{
    private const string Shader = "@compute @workgroup_size(1) fn main() {}";

    [Fact]
    public void Extend_IsTheDocumentedHashChain()
    {
        var log = new RuntimeMeasurementLog();
        Assert.Equal(new byte[32], log.Current.Value);
        Assert.True(log.Extend(MeasurementLogEntry.Wgsl(Encoding.UTF8.GetBytes(Shader))));
        Assert.True(log.Extend(MeasurementLogEntry.GpuKernel("matmul", "cpu")));

        // By hand: value = SHA-256(value || SHA-256(JCS(entry))), from 32 zero bytes.
        string wgsl = $"{{\"bytes\":{Shader.Length},\"sha256\":\"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Shader)))}\",\"type\":\"wgsl-shader\"}}";
        string kernel = "{\"backend\":\"cpu\",\"kernel\":\"matmul\",\"type\":\"wasi-gpu-kernel\"}";
        byte[] value = new byte[32];
        foreach (string e in new[] { wgsl, kernel }) value = SHA256.HashData([.. value, .. SHA256.HashData(Encoding.UTF8.GetBytes(e))]);
        Assert.Equal(value, log.Current.Value);
        Assert.Equal(2, log.Current.Entries);
        Assert.Equal(value, RuntimeMeasurementLog.Replay(log.Entries)[^1].Value);
    }

    [Fact]
    public void TheSameShaderOrKernelKind_IsLoggedOnce()
    {
        var log = new RuntimeMeasurementLog();
        Assert.True(log.Extend(MeasurementLogEntry.GpuKernel("find-split", "webgpu")));
        byte[] after = log.Current.Value;
        Assert.False(log.Extend(MeasurementLogEntry.GpuKernel("find-split", "webgpu")));
        Assert.Equal(after, log.Current.Value);
        Assert.True(log.Extend(MeasurementLogEntry.GpuKernel("find-split", "cpu"))); // another backend is another entry
        Assert.Equal(2, log.Entries.Count);
    }

    [Fact]
    public void Replay_GivesEveryPrefixValue_AndAnyChangedEntryChangesTheEnd() =>
        Gen.String[1, 50].Array[1, 6].Sample(sources =>
        {
            var log = new RuntimeMeasurementLog();
            var prefixes = new List<byte[]> { log.Current.Value };
            foreach (string s in sources.Distinct())
            {
                log.Extend(MeasurementLogEntry.Wgsl(Encoding.UTF8.GetBytes(s)));
                prefixes.Add(log.Current.Value);
            }
            var replay = RuntimeMeasurementLog.Replay(log.Entries);
            Assert.Equal(prefixes, replay.Select(v => v.Value));
            var changed = log.Entries.ToList();
            changed[0] = MeasurementLogEntry.Wgsl(Encoding.UTF8.GetBytes(sources[0] + "x"));
            Assert.NotEqual(log.Current.Value, RuntimeMeasurementLog.Replay(changed)[^1].Value);
        });

    [Fact]
    public void Entries_ReadBackAsWritten_AndBadOnesAreRefused()
    {
        var entry = MeasurementLogEntry.GpuKernel("batch-predict", "cuda");
        var back = MeasurementLogEntry.Read(EvidenceDocument.Parse(EvidenceDocument.WriteDocument(entry.WriteTo)));
        Assert.Equal(entry.EventDigest, back.EventDigest);
        Assert.Equal("measurement log entry type 'spirv' is neither wgsl-shader nor wasi-gpu-kernel",
            Assert.Throws<AttestationException>(() => MeasurementLogEntry.Read(EvidenceDocument.Parse("{\"type\":\"spirv\"}"))).Message);
        Assert.Equal("a wgsl-shader entry needs a 32-byte sha256 and a non-negative length",
            Assert.Throws<AttestationException>(() => MeasurementLogEntry.Read(EvidenceDocument.Parse("{\"type\":\"wgsl-shader\",\"sha256\":\"00\",\"bytes\":1}"))).Message);
    }
}
