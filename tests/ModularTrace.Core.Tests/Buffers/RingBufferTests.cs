using ModularTrace.Buffers;

namespace ModularTrace.Core.Tests.Buffers;

public sealed class RingBufferTests
{
    private static bool Write(RingBuffer buffer, long value, int size = 24)
    {
        var slot = buffer.Reserve(size);
        if (slot.IsEmpty)
        {
            return false;
        }

        BitConverter.TryWriteBytes(slot, value);
        buffer.Commit(size, value);
        return true;
    }

    [Fact]
    public void Discard_Full_DropsTheNewestAndCountsExactly()
    {
        var buffer = new RingBuffer(0, 0, 4096, overwrite: false);
        var written = 0;
        for (var i = 0; i < 1000; i++)
        {
            written += Write(buffer, i) ? 1 : 0;
        }

        var stats = buffer.Stats;
        Assert.Equal(4096 / 40, written); // 16-byte header + 24 payload = 40 bytes
        Assert.Equal(written, stats.Written);
        Assert.Equal(1000 - written, stats.Dropped);
        Assert.Equal(0, stats.Overrun);
        var read = 0L;
        while (buffer.TryConsume(out var ts, out _))
        {
            Assert.Equal(read++, ts); // the oldest survive
        }

        Assert.Equal(written, read);
    }

    [Fact]
    public void Overwrite_Full_LosesTheOldestAndCountsExactly()
    {
        var buffer = new RingBuffer(0, 0, 4096, overwrite: true);
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(Write(buffer, i));
        }

        var kept = new List<long>();
        while (buffer.TryConsume(out var ts, out _))
        {
            kept.Add(ts);
        }

        var stats = buffer.Stats;
        Assert.Equal(1000, stats.Written);
        Assert.Equal(0, stats.Dropped);
        Assert.Equal(1000, stats.Read + stats.Overrun);
        Assert.Equal(999, kept[^1]); // the newest survive, in order
        Assert.Equal(Enumerable.Range((int)kept[0], kept.Count).Select(i => (long)i), kept);
    }

    [Fact]
    public void Reserve_RecordsOfMixedSizes_WrapWithPaddingAndStayIntact()
    {
        var buffer = new RingBuffer(0, 0, 4096, overwrite: true);
        var random = new Random(5);
        for (var i = 0; i < 5000; i++)
        {
            var size = random.Next(8, 300);
            var slot = buffer.Reserve(size);
            slot[..size].Fill((byte)(i & 0xff));
            buffer.Commit(size, i);
            if (random.Next(3) == 0 && buffer.TryConsume(out var ts, out var data))
            {
                Assert.All(data.Take(8), b => Assert.Equal((byte)(ts & 0xff), b));
            }
        }

        var stats = buffer.Stats;
        Assert.Equal(stats.Written, stats.Read + stats.Overrun + stats.Entries);
        Assert.Equal(stats.Entries, buffer.Snapshot().Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ConcurrentReader_SlowerThanWriter_WrittenEqualsReadPlusLost(bool overwrite)
    {
        var buffer = new RingBuffer(0, 0, 8192, overwrite);
        const int Total = 200_000;
        var done = 0;
        var readCount = 0L;
        var lastSeen = -1L;
        var ordered = true;
        var reader = new Thread(() =>
        {
            while (Volatile.Read(ref done) == 0 || buffer.Stats.Entries > 0)
            {
                if (buffer.TryConsume(out var ts, out var data))
                {
                    ordered &= ts > lastSeen && BitConverter.ToInt64(data) == ts;
                    lastSeen = ts;
                    readCount++;
                }
                else
                {
                    Thread.SpinWait(50);
                }
            }
        });
        reader.Start();
        var attempted = 0;
        for (var i = 0; i < Total; i++)
        {
            Write(buffer, i);
            attempted++;
        }

        Volatile.Write(ref done, 1);
        Assert.True(reader.Join(TimeSpan.FromMinutes(1)));
        var stats = buffer.Stats;
        Assert.True(ordered, "records came out of order or torn");
        Assert.Equal(readCount, stats.Read);
        Assert.Equal(Total, stats.Written + stats.Dropped);
        Assert.Equal(stats.Written, stats.Read + stats.Overrun);
        Assert.Equal(0, stats.Entries);
    }

    [Fact]
    public void Reserve_TooLarge_IsDroppedNotWrapped()
    {
        var buffer = new RingBuffer(0, 0, 4096, overwrite: true);
        Assert.True(buffer.Reserve(buffer.MaxPayload + 1).IsEmpty);
        Assert.Equal(1, buffer.Stats.Dropped);
    }
}
