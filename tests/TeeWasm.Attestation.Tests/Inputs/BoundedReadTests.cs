using System.Diagnostics;
using TeeWasm.Attestation.Inputs;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Inputs;

/// <summary>Issue 12 item 3: the one bounded read every input goes through stops at its cap, whatever the file is.</summary>
public sealed class BoundedReadTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_file_of_exactly_the_cap_is_read_and_one_byte_more_is_refused()
    {
        string path = _dir.File("f");
        File.WriteAllBytes(path, [.. Enumerable.Range(0, 1000).Select(i => (byte)i)]);
        Assert.Equal(File.ReadAllBytes(path), BoundedRead.File(path, 1000, "test file"));
        var e = Assert.Throws<InputTooLargeException>(() => BoundedRead.File(path, 999, "test file"));
        Assert.Equal($"test file '{path}' is larger than 999 bytes, the limit for it (docs/limits.md)", e.Message);
        Assert.Equal(999, e.Limit);
    }

    [Fact]
    public void A_large_regular_file_is_refused_from_its_size_before_a_byte_is_read()
    {
        string path = _dir.File("sparse");
        using (var f = File.Create(path)) f.SetLength(8L << 30); // 8 GiB, sparse: reading it would take minutes
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InputTooLargeException>(() => BoundedRead.File(path, InputLimits.Evidence, "evidence file"));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 1 << 20);
        Assert.Contains("is larger than 16 MiB", e.Message);
    }

    [Fact]
    public void A_character_device_is_read_up_to_one_byte_past_the_cap()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InputTooLargeException>(() => BoundedRead.File("/dev/zero", InputLimits.Policy, "policy file"));
        Assert.Equal("policy file '/dev/zero' is larger than 1 MiB, the limit for it (docs/limits.md)", e.Message);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 8 << 20);
    }

    [Fact]
    public async Task A_fifo_with_an_endless_writer_is_read_up_to_the_cap()
    {
        string fifo = _dir.File("fifo");
        using (var mk = Process.Start("mkfifo", [fifo])) mk.WaitForExit();
        Assert.True(File.Exists(fifo), "mkfifo failed");
        using var cancel = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            try
            {
                using var w = new FileStream(fifo, FileMode.Open, FileAccess.Write);
                byte[] chunk = new byte[64 << 10];
                while (!cancel.IsCancellationRequested) w.Write(chunk);
            }
            catch (IOException)
            {
                // the reader closed its end: EPIPE
            }
        });
        var e = Assert.Throws<InputTooLargeException>(() => BoundedRead.File(fifo, InputLimits.Certificate, "certificate file"));
        Assert.Contains("is larger than 1 MiB", e.Message);
        cancel.Cancel();
        await writer.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_fifo_with_a_small_input_reads_it_whole()
    {
        string fifo = _dir.File("fifo");
        using (var mk = Process.Start("mkfifo", [fifo])) mk.WaitForExit();
        var writer = Task.Run(() =>
        {
            using var w = new FileStream(fifo, FileMode.Open, FileAccess.Write);
            w.Write("{\"allow_debug\":true}"u8);
        });
        Assert.Equal("{\"allow_debug\":true}", BoundedRead.Text(fifo, InputLimits.Policy, "policy file"));
        await writer.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_stream_is_read_up_to_the_cap()
    {
        using var endless = new EndlessStream();
        Assert.Throws<InputTooLargeException>(() => BoundedRead.Stream(endless, 1 << 20, "answer", "http://x"));
        await Assert.ThrowsAsync<InputTooLargeException>(() => BoundedRead.StreamAsync(endless, 1 << 20, "answer", "http://x", CancellationToken.None));
        Assert.InRange(endless.Served, 2L << 20, 3L << 20);
        Assert.Equal("abc"u8.ToArray(), BoundedRead.Stream(new MemoryStream("abc"u8.ToArray()), 3, "answer", "x"));
    }

    [Theory]
    [InlineData(16 << 20, "16 MiB")]
    [InlineData(4 << 10, "4 KiB")]
    [InlineData(1 << 30, "1 GiB")]
    [InlineData(1000, "1000 bytes")]
    public void Limits_are_described_in_their_unit(long bytes, string text) => Assert.Equal(text, InputLimits.Describe(bytes));

    private sealed class EndlessStream : Stream
    {
        public long Served;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Served; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            Served += count;
            return count;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
