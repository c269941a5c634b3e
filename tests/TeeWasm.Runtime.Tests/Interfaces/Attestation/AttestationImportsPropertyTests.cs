using CsCheck;
using TeeWasm.Attestation;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Runtime.Tests.Interfaces.Attestation;

/// <summary>
/// Issue 12, "keep it fixed": random sequences of wasmtime:attestation calls (random GPU indices, pointers and lengths,
/// nonces and tokens placed in guest memory) against the simulator, from a WAT guest whose <c>cabi_realloc</c> is drawn
/// from <see cref="LoggingAllocators"/>. After every call, every byte of guest memory that changed lies in a block the
/// guest's allocator handed out during the call, and the host never throws. A failure prints the calls and CsCheck's seed.
/// </summary>
public sealed class AttestationImportsPropertyTests : IDisposable
{
    private const int MemorySize = LoggingAllocators.MemorySize, Input = AttestationHarness.InputArea;

    private readonly Attester _attester = new(new AttesterOptions { Mode = AttestationMode.Simulate, SimulatorDirectory = AttestationImportsSimulatedTests.SimulatorDirectory });

    public void Dispose() => _attester.Dispose();

    private sealed record Call(string Export, int[] Args)
    {
        public override string ToString() => $"{Export}({string.Join(", ", Args)})";
    }

    private static readonly int[] s_pointers = [0, Input, Input + 1, MemorySize - 1, MemorySize, MemorySize + 1, -1, int.MinValue, int.MaxValue, LoggingAllocators.Log];
    private static readonly int[] s_lengths = [0, 1, 4, 32, 64, 65, 4096, MemorySize, -1, int.MaxValue, int.MinValue];

    private static readonly Gen<int> s_pointer = Gen.Frequency((3, Gen.Const(Input)), (2, Gen.OneOf(s_pointers)), (1, Gen.Int));
    private static readonly Gen<int> s_length = Gen.Frequency((3, Gen.Int[0, 600]), (2, Gen.OneOf(s_lengths)), (1, Gen.Int));
    private static readonly Gen<int> s_index = Gen.Frequency((3, Gen.Int[-1, 9]), (1, Gen.Int));

    private static readonly Gen<Call> s_call = Gen.OneOf(
        Gen.Const(new Call("call_attest_vm", [])),
        Gen.Const(new Call("call_detect_tee", [])),
        Gen.Const(new Call("call_clear_cache", [])),
        s_index.Select(i => new Call("call_attest_gpu", [i])),
        Gen.Select(s_pointer, s_length, (p, l) => new Call("call_attest_vm_nonce", [p, l])),
        Gen.Select(s_index, s_pointer, s_length, (i, p, l) => new Call("call_attest_gpu_nonce", [i, p, l])),
        Gen.Select(s_pointer, s_length, (p, l) => new Call("call_verify_token", [p, l])),
        Gen.Select(s_pointer, s_length, (p, l) => new Call("call_verify_token_json", [p, l])));

    [Fact]
    public void Random_calls_write_only_into_guest_allocations()
    {
        // The input area holds random bytes, or a real token (a valid one, or one with a character changed).
        string token = System.Text.Json.JsonDocument.Parse(_attester.AttestVm([1, 2, 3]).JsonUtf8.ToArray()).RootElement.GetProperty("token").GetString()!;
        Gen<byte[]> input = Gen.OneOf(
            Gen.Byte.Array[0, 600],
            Gen.Const(System.Text.Encoding.UTF8.GetBytes(token)),
            Gen.Int[0, token.Length - 1].Select(at => System.Text.Encoding.UTF8.GetBytes(token[..at] + (token[at] == 'A' ? 'B' : 'A') + token[(at + 1)..])));
        Gen.Select(Gen.Int[0, LoggingAllocators.All.Length - 1], input, s_call.Array[1, 25]).Sample((allocator, bytes, calls) =>
        {
            using var h = new AttestationHarness(GuestModules.AttestationGuest(reallocBody: LoggingAllocators.Body(allocator)), _attester);
            h.Put(bytes);
            var memory = h.Instance.GetMemory("memory")!;
            foreach (Call call in calls)
            {
                LoggingAllocators.Clear(memory.GetSpan(0, MemorySize));
                byte[] before = memory.GetSpan(0, MemorySize).ToArray();
                h.Call(call.Export, call.Args);
                byte[] after = memory.GetSpan(0, MemorySize).ToArray();
                int outside = LoggingAllocators.FirstWriteOutside(before, after, LoggingAllocators.Blocks(after));
                Assert.True(outside < 0, $"{call} (allocator {LoggingAllocators.All[allocator].Name}) changed byte {outside} outside the allocated blocks");
            }
        }, iter: 30, threads: 1, print: t => $"allocator {LoggingAllocators.All[t.Item1].Name}, {t.Item2.Length} input bytes: {string.Join("; ", t.Item3.Select(c => c.ToString()))}");
    }
}
