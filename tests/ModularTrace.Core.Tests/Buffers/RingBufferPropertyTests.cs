using CsCheck;
using ModularTrace.Buffers;

namespace ModularTrace.Core.Tests.Buffers;

/// <summary>
/// Random interleavings of writes (random sizes, some too large), consumes and snapshots, in both modes: every
/// record is read once, intact and in order, or counted as lost; never both, never neither (written = read + lost).
/// </summary>
public sealed class RingBufferPropertyTests
{
    private enum Op { Write, Consume, Snapshot }

    private static readonly Gen<(Op Op, int Size)> s_step = Gen.Frequency(
        // At least one byte: Reserve(0) succeeds with an empty span, which reads the same as "dropped".
        (6, Gen.Int[1, 200].Select(size => (Op.Write, size))),
        (1, Gen.Int[300, 5000].Select(size => (Op.Write, size))),
        (3, Gen.Const((Op.Consume, 0))),
        (1, Gen.Const((Op.Snapshot, 0))));

    private static byte Pattern(long seq, int i) => (byte)((seq * 31) + i);

    [Fact]
    public void RandomInterleaving_BothModes_WrittenEqualsReadPlusLostAndReadsAreIntactAndOrdered()
    {
        Gen.Select(Gen.Bool, Gen.Int[8, 12].Select(bits => 1 << bits), s_step.Array[1, 400]).Sample((overwrite, capacity, steps) =>
        {
            var buffer = new RingBuffer(0, 0, capacity, overwrite);
            var sizes = new Dictionary<long, int>();
            var committed = new List<long>();
            var consumed = new List<long>();
            long attempts = 0;
            long seq = 0;
            foreach ((Op op, int size) in steps)
            {
                switch (op)
                {
                    case Op.Write:
                        attempts++;
                        seq++;
                        var slot = buffer.Reserve(size);
                        if (!slot.IsEmpty)
                        {
                            for (var i = 0; i < size; i++)
                            {
                                slot[i] = Pattern(seq, i);
                            }

                            buffer.Commit(size, seq);
                            sizes[seq] = size;
                            committed.Add(seq);
                        }

                        break;
                    case Op.Consume:
                        if (buffer.TryConsume(out var ts, out var payload))
                        {
                            Check(ts, payload, sizes);
                            consumed.Add(ts);
                        }

                        break;
                    default:
                        var snapshot = buffer.Snapshot();
                        Assert.Equal(buffer.Stats.Entries, snapshot.Count);
                        Assert.All(snapshot, r => Check(r.Timestamp, r.Payload, sizes));
                        break;
                }

                var stats = buffer.Stats;
                Assert.Equal(attempts, stats.Written + stats.Dropped);
                Assert.Equal(stats.Written, stats.Read + stats.Overrun + stats.Entries);
                Assert.Equal(consumed.Count, stats.Read);
                Assert.Equal(buffer.Lost, stats.Overrun + stats.Dropped);
            }

            // What is left is exactly what the snapshot shows, in order; then drain.
            var left = buffer.Snapshot().Select(r => r.Timestamp).ToList();
            while (buffer.TryConsume(out var ts, out var payload))
            {
                Check(ts, payload, sizes);
                consumed.Add(ts);
            }

            Assert.Equal(left, consumed.TakeLast(left.Count));
            var end = buffer.Stats;
            Assert.Equal(0, end.Entries);
            Assert.Equal(end.Written, end.Read + end.Overrun);
            Assert.True(consumed.SequenceEqual(consumed.Order()) && consumed.Distinct().Count() == consumed.Count, "reads out of order or doubled");
            Assert.Empty(consumed.Except(committed));
            if (!overwrite)
            {
                // Discard mode loses only the newest, and counts them: every committed record is read.
                Assert.Equal(0, end.Overrun);
                Assert.Equal(committed, consumed);
            }
            else
            {
                // Overwrite mode loses the oldest: what was not read is exactly the overrun count.
                Assert.Equal(committed.Count - consumed.Count, end.Overrun);
            }
        }, iter: 400, threads: 1);
    }

    private static void Check(long seq, byte[] payload, Dictionary<long, int> sizes)
    {
        Assert.True(sizes.TryGetValue(seq, out var size), $"record {seq} was never committed");
        Assert.True(payload.Length >= size, $"record {seq}: {payload.Length} bytes, wrote {size}");
        for (var i = 0; i < size; i++)
        {
            Assert.True(payload[i] == Pattern(seq, i), $"record {seq} torn at byte {i}");
        }
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    [InlineData(false, 3)]
    [InlineData(true, 4)]
    public void ConcurrentReaderTakingSnapshots_RandomSizes_WrittenEqualsReadPlusLost(bool overwrite, int seed)
    {
        var buffer = new RingBuffer(0, 0, 4096, overwrite);
        const int Total = 100_000;
        var done = 0;
        var consumed = new List<long>();
        var torn = 0;
        var reader = new Thread(() =>
        {
            var random = new Random(seed);
            while (Volatile.Read(ref done) == 0 || buffer.Stats.Entries > 0)
            {
                if (random.Next(50) == 0)
                {
                    // A snapshot concurrent with the writer may skip records it overwrites, never return torn ones.
                    foreach (var (ts, payload) in buffer.Snapshot())
                    {
                        torn += Intact(ts, payload) ? 0 : 1;
                    }
                }
                else if (buffer.TryConsume(out var ts, out var payload))
                {
                    torn += Intact(ts, payload) ? 0 : 1;
                    consumed.Add(ts);
                }
            }
        });
        reader.Start();
        var sizes = new Random(seed + 100);
        for (long seq = 1; seq <= Total; seq++)
        {
            var size = 16 + sizes.Next(0, 120); // Intact checks bytes 8..16
            var slot = buffer.Reserve(size);
            if (slot.IsEmpty)
            {
                continue;
            }

            BitConverter.TryWriteBytes(slot, seq);
            slot[8..size].Fill((byte)seq);
            buffer.Commit(size, seq);
        }

        Volatile.Write(ref done, 1);
        Assert.True(reader.Join(TimeSpan.FromMinutes(2)), "the reader hung");
        var stats = buffer.Stats;
        Assert.Equal(0, torn);
        Assert.Equal(Total, stats.Written + stats.Dropped);
        Assert.Equal(stats.Written, stats.Read + stats.Overrun);
        Assert.Equal(consumed.Count, stats.Read);
        Assert.True(consumed.SequenceEqual(consumed.Order()), "reads out of order");
        // Each mode loses in its own way only: overwrite counts overrun, discard counts dropped.
        Assert.Equal(0, overwrite ? stats.Dropped : stats.Overrun);
    }

    private static bool Intact(long ts, byte[] payload)
        => payload.Length >= 8 && BitConverter.ToInt64(payload) == ts && payload.AsSpan(8, Math.Min(payload.Length - 8, 8)).IndexOfAnyExcept((byte)ts) < 0;
}
