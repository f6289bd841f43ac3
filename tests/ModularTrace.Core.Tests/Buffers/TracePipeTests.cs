using ModularTrace.Buffers;
using ModularTrace.Events;
using ModularTrace.Output;
using ModularTrace.Tasks;

namespace ModularTrace.Core.Tests.Buffers;

/// <summary>
/// The shared trace_pipe reader: oldest first across buffers and across takes while writers run, and books in which
/// every record taken is delivered or lost, each loss reported once as LOST before the next record of its buffer.
/// </summary>
public sealed class TracePipeTests
{
    private static (TraceSession Session, TraceEvent Event, EventField Seq) NewSession(int bufferSize = 4 << 20, bool overwrite = false)
    {
        var session = new TraceSession(new TraceOptions { Clock = TraceClock.Counter, BufferSize = bufferSize, Overwrite = overwrite });
        // Seconds are no measure here: a reservation is never taken for abandoned.
        var b = new EventLayoutBuilder();
        var seq = b.U64("seq");
        var ev = session.Define("t", "tick", new EventClass("tick", b.Build(), "seq={seq}"))!;
        ev.IsEnabled = true;
        return (session, ev, seq);
    }

    private static void Write(TraceEvent ev, EventField field, long count, int cpu)
    {
        CurrentTask.Set(cpu, 100 + cpu, "writer");
        try
        {
            for (var i = 0L; i < count; i++)
            {
                var w = ev.Reserve(0);
                if (w.IsReserved)
                {
                    w.Set(field, (ulong)i);
                    w.Commit();
                }
            }
        }
        finally
        {
            CurrentTask.Clear();
        }
    }

    [Fact]
    public void Take_ThreeWritersRunning_IsOldestFirstWithinAndAcrossTakes()
    {
        var (session, ev, seq) = NewSession();
        var pipe = new TracePipe(session, abandonAfter: Timeout.InfiniteTimeSpan);
        const long PerWriter = 20_000;
        var writers = Enumerable.Range(0, 3).Select(cpu => new Thread(() => Write(ev, seq, PerWriter, cpu))).ToArray();
        foreach (var writer in writers)
        {
            writer.Start();
        }

        var timestamps = new List<long>();
        var takes = 0;
        // Bounded by count, not time: the writers finish, then the pipe empties.
        while (timestamps.Count < 3 * PerWriter && takes < 10_000_000)
        {
            takes++;
            var batch = pipe.Take(97);
            timestamps.AddRange(batch.Select(r => r.Timestamp));
            pipe.Settle(batch, delivered: true);
            if (batch.Count == 0 && writers.All(w => !w.IsAlive) && session.Buffers.All(b => b.Stats.Entries == 0) && pipe.Take(1) is { Count: 0 })
            {
                break;
            }
        }

        foreach (var writer in writers)
        {
            writer.Join();
        }

        Assert.Equal(3 * PerWriter, timestamps.Count);
        for (var i = 1; i < timestamps.Count; i++)
        {
            Assert.True(timestamps[i] > timestamps[i - 1], $"record {i} at {timestamps[i]} follows {timestamps[i - 1]}");
        }

        Assert.All(session.Buffers, b => Assert.Equal(PerWriter, pipe.Counters(b).Delivered));
    }

    [Fact]
    public void Take_BufferWithAReservationInProgress_HoldsBackNewerRecordsOfOthers()
    {
        var (session, ev, seq) = NewSession();
        var pipe = new TracePipe(session, abandonAfter: Timeout.InfiniteTimeSpan);
        Write(ev, seq, 1, cpu: 0);
        var reserved = new ManualResetEventSlim();
        var release = new ManualResetEventSlim();
        var writer = new Thread(() =>
        {
            Write(ev, seq, 1, cpu: 1); // makes this thread's buffer
            session.Buffers[^1].Reserve(24);
            reserved.Set();
            release.Wait();
            session.Buffers[^1].Discard();
        });
        writer.Start();
        reserved.Wait();

        // Both committed records go out, oldest first; then buffer 1 is empty with a record coming, whose timestamp may
        // be older than anything written since: nothing may pass it until it is committed or discarded.
        var first = pipe.Take(10);
        Assert.Equal(2, first.Count);
        Write(ev, seq, 1, cpu: 0);
        Assert.Empty(pipe.Take(10));

        release.Set();
        writer.Join();
        Assert.Single(pipe.Take(10));
    }

    [Fact]
    public void Settle_Lost_IsReportedOnceBeforeTheNextRecordOfThatBuffer()
    {
        var (session, ev, seq) = NewSession();
        var pipe = new TracePipe(session, abandonAfter: Timeout.InfiniteTimeSpan);
        Write(ev, seq, 5, cpu: 0);
        var taken = pipe.Take(3);
        Assert.All(taken, r => Assert.Equal(0, r.LostBefore));
        pipe.Settle(taken, delivered: false);

        var buffer = session.Buffers[0];
        Assert.Equal(new TracePipeCounters(Delivered: 0, ReaderLost: 3, InFlight: 0, Unreported: 3), pipe.Counters(buffer));
        var next = pipe.Take(10);
        Assert.Equal([3L, 0L], next.Select(r => r.LostBefore));
        Assert.Equal("CPU:0 [LOST 3 EVENTS]", TextTraceWriter.Format(next[0], session).Split('\n')[0]);
        pipe.Settle(next, delivered: true);
        Assert.Equal(new TracePipeCounters(Delivered: 2, ReaderLost: 3, InFlight: 0, Unreported: 0), pipe.Counters(buffer));
    }

    [Fact]
    public void Settle_LostRecordThatCarriedALostLine_HandsThatLossOnToo()
    {
        var (session, ev, seq) = NewSession();
        var pipe = new TracePipe(session, abandonAfter: Timeout.InfiniteTimeSpan);
        Write(ev, seq, 4, cpu: 0);
        var first = pipe.Take(2);
        pipe.Settle(first, delivered: false);
        var second = pipe.Take(1);
        Assert.Equal(2, second[0].LostBefore);
        pipe.Settle(second, delivered: false); // the reader told of the loss dies too

        var third = pipe.Take(1);
        Assert.Equal(3, third[0].LostBefore);
        pipe.Settle(third, delivered: true);
        Assert.Equal(0, pipe.Counters(session.Buffers[0]).Unreported);
    }

    [Fact]
    public void Books_DiscardModeFull_BalanceAndDropsAreReportedAsLost()
    {
        var (session, ev, seq) = NewSession(bufferSize: 4096);
        var pipe = new TracePipe(session, abandonAfter: Timeout.InfiniteTimeSpan);
        Write(ev, seq, 1000, cpu: 0); // 4 KiB holds about a hundred: the rest is dropped
        var buffer = session.Buffers[0];
        var stats = buffer.Stats;
        Assert.True(stats.Dropped > 0);

        var first = pipe.Take(10);
        pipe.Settle(first, delivered: true);
        Assert.Equal(stats.Dropped, first[0].LostBefore);
        var books = pipe.Counters(buffer);
        stats = buffer.Stats;
        Assert.Equal(stats.Written, books.Delivered + books.ReaderLost + stats.Overrun + stats.Entries + books.InFlight);
    }
}
