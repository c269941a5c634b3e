using System.Buffers.Binary;
using System.Text;
using TeeWasm.Runtime.Guest;
using Wasmtime;

namespace TeeWasm.Runtime.Tests.Guest;

/// <summary>
/// The host-owned result area for guests without <c>cabi_realloc</c>, on a real Wasmtime memory: results go to pages
/// grown past the guest's memory, the area is reused and grown, and the host never writes a byte the guest had or took.
/// </summary>
public sealed class HostResultAreaTests : IDisposable
{
    private const int Page = HostResultArea.PageSize;
    private readonly Engine _engine = new();
    private readonly Store _store;

    public HostResultAreaTests() => _store = new Store(_engine);

    public void Dispose()
    {
        _store.Dispose();
        _engine.Dispose();
    }

    private static byte[] Payload(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Snapshot(Memory memory) => memory.GetSpan(0, (int)memory.GetLength()).ToArray();

    private static void FillRandom(Memory memory, int seed) => new Random(seed).NextBytes(memory.GetSpan(0, (int)memory.GetLength()));

    private static byte[] ReadResult(Memory memory, int address)
    {
        int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(memory.GetSpan(address, 4));
        return memory.GetSpan(address + 4, length).ToArray();
    }

    private static int Write(HostResultArea area, Memory memory, byte[] payload)
    {
        int address = area.Write(memory, payload, out string? failure);
        Assert.True(address != 0, failure);
        Assert.Null(failure);
        return address;
    }

    [Fact]
    public void FirstResultGoesToFreshPagesPastTheGuestsMemory()
    {
        var memory = new Memory(_store, 2);
        FillRandom(memory, 7);
        byte[] before = Snapshot(memory);
        var area = new HostResultArea();

        int address = Write(area, memory, Payload(1000));

        Assert.Equal(2 * Page, address);
        Assert.Equal(3, memory.GetSize());
        Assert.True(before.AsSpan().SequenceEqual(memory.GetSpan(0, before.Length)), "the guest's memory changed");
        Assert.Equal(Payload(1000), ReadResult(memory, address));
        Assert.True(memory.GetSpan(address + 4 + 1000, Page - 1004).IndexOfAnyExcept(HostResultArea.Filler) < 0, "filler after the result");
    }

    [Fact]
    public void AnUntouchedAreaIsReused()
    {
        var memory = new Memory(_store, 1);
        var area = new HostResultArea();
        int first = Write(area, memory, Payload(3000, 1));
        int second = Write(area, memory, Payload(200, 2));
        Assert.Equal(first, second);
        Assert.Equal(2, memory.GetSize());
        Assert.Equal(Payload(200, 2), ReadResult(memory, second));
    }

    [Fact]
    public void ALargerResultGrowsTheAreaInPlace()
    {
        var memory = new Memory(_store, 1);
        var area = new HostResultArea();
        int first = Write(area, memory, Payload(10));
        int second = Write(area, memory, Payload(150_000, 3));
        Assert.Equal(first, second);
        // 4 + 150 000 + the tail reserve fit in three pages
        Assert.Equal(1 + 3, memory.GetSize());
        Assert.Equal(3 * Page, area.Length);
        Assert.Equal(Payload(150_000, 3), ReadResult(memory, second));
    }

    [Fact]
    public void EveryResultKeepsTheTailReserveOfFillerAfterIt()
    {
        var memory = new Memory(_store, 1);
        var area = new HostResultArea();
        int length = Page - 4 - HostResultArea.TailReserve + 1; // one byte too many for one page
        int address = Write(area, memory, Payload(length));
        Assert.Equal(2 * Page, area.Length);
        Assert.True(memory.GetLength() - (address + 4 + length) >= HostResultArea.TailReserve);
    }

    [Fact]
    public void AnAreaTheGuestGrewPastIsLeftAndFreshPagesAreTaken()
    {
        var memory = new Memory(_store, 1);
        var area = new HostResultArea();
        int first = Write(area, memory, Payload(100, 1));
        byte[] oldArea = memory.GetSpan(first, Page).ToArray();
        memory.Grow(1); // the guest's own memory.grow: the area is no longer at the end
        new Random(9).NextBytes(memory.GetSpan(2 * Page, Page));
        byte[] guests = memory.GetSpan(2 * Page, Page).ToArray();

        int second = Write(area, memory, Payload(100_000, 2));

        Assert.Equal(3 * Page, second);
        Assert.True(oldArea.AsSpan().SequenceEqual(memory.GetSpan(first, Page)), "the old area changed");
        Assert.True(guests.AsSpan().SequenceEqual(memory.GetSpan(2 * Page, Page)), "the guest's page changed");
        Assert.Equal(Payload(100_000, 2), ReadResult(memory, second));
    }

    [Theory]
    [InlineData(0)]        // the length word
    [InlineData(500)]      // inside the result
    [InlineData(65_000)]   // in the filler near the end (where an allocator puts its bookkeeping)
    public void AnAreaTheGuestWroteIntoIsTheGuestsFromThenOn(int offset)
    {
        var memory = new Memory(_store, 1);
        var notices = new List<string>();
        var area = new HostResultArea(notice: notices.Add);
        int first = Write(area, memory, Payload(1000));
        memory.GetSpan(first + offset, 1)[0] ^= 0xFF;
        byte[] taken = memory.GetSpan(first, Page).ToArray();

        int second = Write(area, memory, Payload(10, 2));

        Assert.Equal(first + Page, second);
        Assert.True(taken.AsSpan().SequenceEqual(memory.GetSpan(first, Page)), "the host wrote into the area the guest took");
        Assert.Equal($"the guest wrote into the host's result area at 0x{first:x} ({Page} bytes; its allocator took it over): it is the guest's now, results go to fresh pages",
            Assert.Single(notices));
    }

    [Fact]
    public void AGuestZeroingTheFillerIsNoticedToo()
    {
        var memory = new Memory(_store, 1);
        var area = new HostResultArea();
        int first = Write(area, memory, Payload(16));
        memory.GetSpan(first + 1024, 256).Clear(); // calloc() of a block the guest's allocator carved there
        Assert.NotEqual(first, Write(area, memory, Payload(16)));
    }

    [Fact]
    public void ADeclaredMaximumGivesZeroAndSaysWhy()
    {
        var memory = new Memory(_store, 1, maximum: 1);
        byte[] before = Snapshot(memory);
        int address = new HostResultArea().Write(memory, Payload(10), out string? failure);
        Assert.Equal(0, address);
        Assert.Equal("growing guest memory from 64 KiB by 1 page(s) for the result would pass its declared maximum of 1 page(s) (64 KiB)", failure);
        Assert.True(before.AsSpan().SequenceEqual(Snapshot(memory)));
    }

    [Fact]
    public void TheHostsMemoryLimitCountsTheArea()
    {
        _store.SetLimits(memorySize: 2 * Page, tableElements: null, instances: null, tables: null, memories: null);
        var memory = new Memory(_store, 2);
        int address = new HostResultArea(memoryLimitBytes: 2 * Page).Write(memory, Payload(10), out string? failure);
        Assert.Equal(0, address);
        Assert.Equal("growing guest memory from 128 KiB by 1 page(s) for the result would pass the host's memory limit (--max-memory 128 KiB)", failure);
        Assert.Equal(2, memory.GetSize());
    }

    [Fact]
    public void AStoreLimitTheAreaDoesNotKnowStillRefusesTheGrowth()
    {
        _store.SetLimits(memorySize: 2 * Page, tableElements: null, instances: null, tables: null, memories: null);
        var memory = new Memory(_store, 1);
        var area = new HostResultArea();
        Write(area, memory, Payload(10)); // 1 -> 2 pages: allowed
        int address = area.Write(memory, Payload(100_000), out string? failure); // in place, past the limit
        Assert.Equal(0, address);
        Assert.StartsWith("growing guest memory from 128 KiB by 1 page(s) for the result was refused: ", failure);
        Assert.DoesNotContain('\n', failure!);
        Assert.Equal(2, memory.GetSize());
    }

    /// <summary>
    /// Random sequences of results, guest growth and guest writes: every byte the guest had or wrote keeps its value
    /// (the host writes only into pages it grew and the guest has not touched since), and every result reads back.
    /// </summary>
    [Fact]
    public void RandomSequencesNeverTouchTheGuestsBytes()
    {
        for (int seed = 0; seed < 40; seed++)
        {
            var random = new Random(seed);
            using var store = new Store(_engine);
            var memory = new Memory(store, random.Next(1, 4));
            FillRandom(memory, seed);
            var guestRanges = new List<(long At, byte[] Bytes)> { (0, Snapshot(memory)) };
            var guestBytes = new Dictionary<long, byte>();
            var area = new HostResultArea();
            int current = 0;
            for (int step = 0; step < 25; step++)
            {
                switch (random.Next(4))
                {
                    case 0 when current != 0: // the guest writes somewhere in the area (or just before or after it)
                        int at = Math.Clamp(current + random.Next(-64, area.Length + 64), 0, (int)memory.GetLength() - 1);
                        memory.GetSpan(at, 1)[0] ^= (byte)random.Next(1, 256);
                        guestBytes[at] = memory.GetSpan(at, 1)[0];
                        break;
                    case 1: // the guest grows its memory and writes into the new page
                        long old = memory.Grow(1) * Page;
                        random.NextBytes(memory.GetSpan(old, Page));
                        guestRanges.Add((old, memory.GetSpan(old, Page).ToArray()));
                        break;
                    default:
                        byte[] payload = Payload(random.Next(0, 3) == 0 ? random.Next(60_000, 200_000) : random.Next(0, 5000), seed * 100 + step);
                        current = Write(area, memory, payload);
                        Assert.Equal(payload, ReadResult(memory, current));
                        foreach (var (from, bytes) in guestRanges)
                            Assert.True(bytes.AsSpan().SequenceEqual(memory.GetSpan(from, bytes.Length)), $"seed {seed} step {step}: the guest's bytes at 0x{from:x} changed");
                        foreach (var (address, value) in guestBytes)
                            Assert.True(memory.GetSpan(address, 1)[0] == value, $"seed {seed} step {step}: the byte the guest wrote at 0x{address:x} changed");
                        break;
                }
            }
        }
    }

    [Fact]
    public void ResultsAreLengthPrefixedUtf8AsTheAbiSays()
    {
        var memory = new Memory(_store, 1);
        int address = Write(new HostResultArea(), memory, Encoding.UTF8.GetBytes("{\"a\":\"é\"}"));
        Assert.Equal("{\"a\":\"é\"}", Encoding.UTF8.GetString(ReadResult(memory, address)));
    }
}
