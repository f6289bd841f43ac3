using System.Diagnostics;
using ModularTrace.Buffers;
using ModularTrace.Events;

namespace ModularTrace.Output;

/// <summary>
/// The consuming reader every live <c>trace_pipe</c> of a session shares: it merges the per-CPU buffers oldest first
/// and keeps the books of what it hands out, so that no record leaves a ring unaccounted for.
/// </summary>
/// <remarks>
/// <para>
/// <b>Order.</b> <see cref="Take"/> reads the clock (T0), then repeatedly hands out the oldest record at the head of
/// any buffer, while it is no newer than T0 and no buffer is empty with a record reserved but not committed. A buffer
/// that is empty and has no reservation can only get records timestamped after T0 (<see cref="RingBuffer.ReservedPosition"/>),
/// and a buffer seen for the first time was made after T0; so everything handed out later is no older than anything
/// handed out now: the order holds across takes, across readers taking in turn, and within one take.
/// With the counter clock this is exact. With the time clocks it holds unless the writer's reservation was still in
/// its CPU's store buffer when the clock was read (nanoseconds). A reservation unchanged for a second (a probe that
/// threw between reserving and committing) stops blocking.
/// </para>
/// <para>
/// <b>Books.</b> Per buffer: written = <c>delivered</c> + <c>reader lost</c> + overrun + entries + <c>in flight</c>
/// (one look-ahead record per buffer, and what readers hold unsettled). A reader settles every record it took:
/// delivered (acknowledged) or lost (it stopped, timed out or died first). Lost records, with the ring's overrun and
/// dropped, are announced once as <c>CPU:n [LOST N EVENTS]</c> before the next record taken from that buffer, by
/// whichever reader takes it; a lost record's own announcement is made again to the next reader.
/// </para>
/// Thread-safe: one lock; readers take in turn.
/// </remarks>
internal sealed class TracePipe(TraceSession session, TimeSpan? abandonAfter = null)
{
    // A reservation unchanged this long is abandoned (a probe threw between Reserve and Commit): stop waiting for it.
    private readonly long _abandoned = abandonAfter is { } after && after != Timeout.InfiniteTimeSpan
        ? (long)(after.TotalSeconds * Stopwatch.Frequency)
        : abandonAfter is null ? Stopwatch.Frequency : long.MaxValue;

    private readonly Lock _gate = new();
    private readonly List<Cursor> _cursors = [];

    /// <summary>Hands out up to <paramref name="max"/> records, oldest first, each with the losses announced before it.</summary>
    public List<TraceRecord> Take(int max)
    {
        var batch = new List<TraceRecord>();
        lock (_gate)
        {
            // The clock first, then the buffer list: a buffer missing from the list was made after T0.
            var t0 = session.Now();
            var buffers = session.Buffers;
            while (_cursors.Count < buffers.Length)
            {
                _cursors.Add(new Cursor(buffers[_cursors.Count]));
            }

            var now = Stopwatch.GetTimestamp();
            while (batch.Count < max)
            {
                Cursor? oldest = null;
                var blocked = false;
                foreach (var cursor in _cursors)
                {
                    if (cursor.Next is null && !cursor.Fill())
                    {
                        blocked |= cursor.IsWriting(now, _abandoned);
                        continue;
                    }

                    if (oldest is null || cursor.Next!.Value.Timestamp < oldest.Next!.Value.Timestamp)
                    {
                        oldest = cursor;
                    }
                }

                if (blocked || oldest is null || oldest.Next!.Value.Timestamp > t0)
                {
                    break;
                }

                batch.Add(oldest.Hand(session));
            }
        }

        return batch;
    }

    /// <summary>Settles records a reader took: <paramref name="delivered"/> when it acknowledged them, else lost.</summary>
    public void Settle(IEnumerable<TraceRecord> records, bool delivered)
    {
        ArgumentNullException.ThrowIfNull(records);
        lock (_gate)
        {
            foreach (var record in records)
            {
                var cursor = _cursors[record.Buffer.Id];
                cursor.Outstanding--;
                if (delivered)
                {
                    cursor.Delivered++;
                }
                else
                {
                    // The record is lost, and so is any LOST line it carried: both go to the next reader.
                    cursor.ReaderLost++;
                    cursor.Unannounce(record.LostBefore);
                }
            }
        }
    }

    /// <summary>The books of one buffer.</summary>
    public TracePipeCounters Counters(RingBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        lock (_gate)
        {
            if (buffer.Id >= _cursors.Count || !ReferenceEquals(_cursors[buffer.Id].Buffer, buffer))
            {
                return new TracePipeCounters(0, 0, 0, buffer.Lost);
            }

            var c = _cursors[buffer.Id];
            return new TracePipeCounters(c.Delivered, c.ReaderLost, c.Outstanding + (c.Next is null ? 0 : 1), buffer.Lost + c.ReaderLost - c.Announced);
        }
    }

    private sealed class Cursor(RingBuffer buffer)
    {
        private long _reservedSeen = -1;
        private long _stalePosition = -1;
        private long _staleSince;
        private long _ringLostAtNext;

        public RingBuffer Buffer { get; } = buffer;

        // Consumed from the ring, not yet handed out: the buffer's candidate in the merge.
        public (long Timestamp, byte[] Data)? Next { get; private set; }

        public long Announced { get; private set; }

        public long Delivered { get; set; }

        public long ReaderLost { get; set; }

        public long Outstanding { get; set; }

        public bool Fill()
        {
            // Reservation before the consume attempt (which reads _head): see RingBuffer.ReservedPosition.
            _reservedSeen = Buffer.ReservedPosition;
            // Losses before the record: counted before it is consumed, so none after it is announced ahead of it.
            var lost = Buffer.Lost;
            if (!Buffer.TryConsume(out var timestamp, out var data))
            {
                return false;
            }

            Next = (timestamp, data);
            _ringLostAtNext = lost;
            return true;
        }

        public bool IsWriting(long now, long abandoned)
        {
            if (_reservedSeen < 0)
            {
                return false;
            }

            if (_reservedSeen != _stalePosition)
            {
                _stalePosition = _reservedSeen;
                _staleSince = now;
                return true;
            }

            return now - _staleSince < abandoned;
        }

        public void Unannounce(long lost) => Announced -= lost;

        public TraceRecord Hand(TraceSession session)
        {
            var (timestamp, data) = Next!.Value;
            Next = null;
            var lost = _ringLostAtNext + ReaderLost;
            var before = Math.Max(0, lost - Announced);
            Announced = Math.Max(Announced, lost);
            Outstanding++;
            var id = (ushort)(data[0] | (data[1] << 8));
            return new TraceRecord(Buffer, timestamp, data, before, session.FindById(id));
        }
    }
}

/// <summary>What <see cref="TracePipe"/> has done with one buffer's records.</summary>
/// <param name="Delivered">Records readers acknowledged.</param>
/// <param name="ReaderLost">Records handed to readers that stopped, timed out or died before acknowledging them.</param>
/// <param name="InFlight">Records taken from the ring and not settled yet (the look-ahead and readers' unacknowledged ones).</param>
/// <param name="Unreported">Losses (overrun, dropped, reader lost) no <c>LOST</c> line has reported yet.</param>
internal readonly record struct TracePipeCounters(long Delivered, long ReaderLost, long InFlight, long Unreported);
