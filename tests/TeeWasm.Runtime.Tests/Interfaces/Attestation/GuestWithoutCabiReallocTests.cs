using System.Text.Json;
using TeeWasm.Attestation;
using TeeWasm.Runtime.Guest;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Runtime.Tests.Interfaces.Attestation;

/// <summary>
/// The original host's first-era guests export no <c>cabi_realloc</c>: their results go to the host's result area,
/// past their memory. Canaries over the guest's whole memory show that no byte of it changes.
/// </summary>
public sealed class GuestWithoutCabiReallocTests : IDisposable
{
    private readonly Attester _attester = new(new AttesterOptions
    {
        Mode = AttestationMode.Simulate, SimulatorDirectory = AttestationImportsSimulatedTests.SimulatorDirectory,
    });

    public void Dispose() => _attester.Dispose();

    private static string Guest(string memory = "(memory (export \"memory\") 4)") =>
        GuestModules.AttestationGuest(withRealloc: false).Replace("(memory (export \"memory\") 4)", memory);

    [Theory]
    [InlineData("wasmtime_attestation")]
    [InlineData("wasmtime:attestation")]
    public void TheFiveOriginalImportsAnswerWithoutChangingAByteOfTheGuestsMemory(string module)
    {
        using var h = new AttestationHarness(GuestModules.AttestationGuest(module, withRealloc: false), _attester);
        var memory = h.Instance.GetMemory("memory")!;
        int size = (int)memory.GetLength();
        new Random(13).NextBytes(memory.GetSpan(0, size)); // canaries: the whole memory
        var (tokenPtr, tokenLen) = h.Put("a.b.c");
        byte[] canaries = memory.GetSpan(0, size).ToArray();
        void AssertCanariesIntact(string after) =>
            Assert.True(canaries.AsSpan().SequenceEqual(memory.GetSpan(0, size)), $"a byte of the guest's memory changed in {after}");

        string Json(string export, params int[] args)
        {
            int ptr = h.Call(export, args);
            AssertCanariesIntact(export);
            Assert.True(ptr >= size, $"{export} returned 0x{ptr:x}, inside the guest's {size} bytes");
            return h.ReadResult(ptr);
        }

        Assert.Equal("{\"supports_attestation\":true,\"tee_type\":\"AMD SEV-SNP\",\"simulated\":true}", Json("call_detect_tee"));
        using var vm = JsonDocument.Parse(Json("call_attest_vm"));
        Assert.True(vm.RootElement.GetProperty("success").GetBoolean());
        using var gpu = JsonDocument.Parse(Json("call_attest_gpu", 0));
        Assert.True(gpu.RootElement.GetProperty("success").GetBoolean());
        Assert.Equal(0, h.Call("call_verify_token", tokenPtr, tokenLen));
        AssertCanariesIntact("verify_token");
        h.Call("call_clear_cache");
        AssertCanariesIntact("clear_cache");

        // The VM token, copied into the guest's memory as a guest would, verifies.
        string token = vm.RootElement.GetProperty("token").GetString()!;
        var (p, l) = h.Put(token);
        Assert.Equal(1, h.Call("call_verify_token", p, l));
        Assert.Empty(h.Log);
    }

    [Fact]
    public void ResultsShareOneAreaThatEachCallOverwrites()
    {
        using var h = new AttestationHarness(Guest(), _attester);
        int first = h.Call("call_detect_tee");
        long grown = h.Instance.GetMemory("memory")!.GetLength();
        int second = h.Call("call_attest_vm");
        int third = h.Call("call_detect_tee");
        Assert.Equal(first, second);
        Assert.Equal(first, third);
        Assert.Equal(grown, h.Instance.GetMemory("memory")!.GetLength());
        Assert.Equal("{\"supports_attestation\":true,\"tee_type\":\"AMD SEV-SNP\",\"simulated\":true}", h.ReadResult(third));
    }

    [Fact]
    public void ADeclaredMaximumGivesZeroAndOneLineSayingWhy()
    {
        using var h = new AttestationHarness(Guest("(memory (export \"memory\") 4 4)"), _attester);
        var memory = h.Instance.GetMemory("memory")!;
        byte[] before = memory.GetSpan(0, (int)memory.GetLength()).ToArray();
        Assert.Equal(0, h.Call("call_attest_vm"));
        Assert.Equal(0, h.Call("call_detect_tee"));
        Assert.True(before.AsSpan().SequenceEqual(memory.GetSpan(0, (int)memory.GetLength())));
        Assert.Equal(
            "attest_vm: the guest exports no 'cabi_realloc' and growing guest memory from 256 KiB by 1 page(s) for the result would pass its declared maximum of 4 page(s) (256 KiB); returning 0",
            h.Log[0]);
        Assert.All(h.Log, line => Assert.DoesNotContain('\n', line));
    }

    [Fact]
    public void TheAreaIsPastEverythingTheGuestHadWhenItGrowsItsOwnMemory()
    {
        using var h = new AttestationHarness(Guest(), _attester);
        var memory = h.Instance.GetMemory("memory")!;
        int first = h.Call("call_detect_tee");
        memory.Grow(2); // the guest grows its memory after the area
        new Random(5).NextBytes(memory.GetSpan(first + HostResultArea.PageSize, 2 * HostResultArea.PageSize));
        byte[] guests = memory.GetSpan(first + HostResultArea.PageSize, 2 * HostResultArea.PageSize).ToArray();
        int bigger = h.Call("call_attest_gpu", 0); // fits in the area: reused, although not at the end any more
        Assert.Equal(first, bigger);
        Assert.True(guests.AsSpan().SequenceEqual(memory.GetSpan(first + HostResultArea.PageSize, guests.Length)));
    }
}
