using ModularTrace.Buffers;
using ModularTrace.Events;

namespace ModularTrace.Output;

/// <summary>
/// Reads a session's buffers merged in timestamp order: consuming (<c>trace_pipe</c>) or not (<c>trace</c>).
/// Keeps, per buffer, how many losses it has reported, so each loss is reported once before the next record.
/// </summary>
public sealed class TraceReader
{
    private readonly TraceSession _session;
    private readonly Dictionary<int, long> _lostReported = [];

    /// <summary>Creates a reader over a session.</summary>
    public TraceReader(TraceSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        _session = session;
    }

    /// <summary>Every record now in the buffers, oldest first; <paramref name="consume"/> removes them.</summary>
    public List<TraceRecord> Read(bool consume)
    {
        var all = new List<TraceRecord>();
        foreach (var buffer in _session.Buffers)
        {
            var lost = buffer.Lost;
            var unreported = lost - _lostReported.GetValueOrDefault(buffer.Id);
            var records = consume ? Drain(buffer) : buffer.Snapshot();
            foreach (var (timestamp, data) in records)
            {
                var id = (ushort)(data[0] | (data[1] << 8));
                all.Add(new TraceRecord(buffer, timestamp, data, unreported, _session.FindById(id)));
                unreported = 0;
            }

            if (consume || records.Count > 0)
            {
                _lostReported[buffer.Id] = lost - unreported;
            }
        }

        // Stable: records of one buffer keep their order when timestamps tie.
        return [.. all.OrderBy(record => record.Timestamp)];
    }

    private static List<(long, byte[])> Drain(RingBuffer buffer)
    {
        var records = new List<(long, byte[])>();
        while (buffer.TryConsume(out var timestamp, out var data))
        {
            records.Add((timestamp, data));
        }

        return records;
    }
}
