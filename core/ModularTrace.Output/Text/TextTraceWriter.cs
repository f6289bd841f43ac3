using System.Globalization;
using System.Text;
using ModularTrace.Buffers;
using ModularTrace.Events;
using ModularTrace.Tasks;

namespace ModularTrace.Output;

/// <summary>
/// Writes records in ftrace's <c>trace</c> text shape: <c>comm-pid [cpu] flags timestamp: event: fields</c>, then
/// <c> trace_id=&lt;32 hex digits&gt;</c> when the writer ran under an Activity.
/// </summary>
public static class TextTraceWriter
{
    /// <summary>The column header, as the kernel prints it above the records.</summary>
    public static string Header(TraceSession session, long entries, long written, IEnumerable<string> metadata)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(metadata);
        var text = new StringBuilder();
        text.Append("# tracer: nop\n#\n");
        foreach (var line in metadata)
        {
            text.Append("# ").Append(line).Append('\n');
        }

        text.Append(CultureInfo.InvariantCulture, $"# trace_clock: {TraceSession.ClockName(session.Options.Clock)}\n");
        if (session.ClockNote is { } note)
        {
            text.Append("# note: ").Append(note).Append('\n');
        }

        // The header is written with the trace, at its end: recalibrate so the records below convert with the widest
        // baseline, and show the calibration so raw counter values can be converted again.
        if (session.CalibrateClock() is { } calibration)
        {
            text.Append("# tsc_calibration: ").Append(calibration.ToString()).Append('\n');
        }
        text.Append(CultureInfo.InvariantCulture, $"# entries-in-buffer/entries-written: {entries}/{written}   #B:{session.Buffers.Length}\n#\n");
        text.Append("#           TASK-PID     CPU#  ||||   TIMESTAMP  FUNCTION\n");
        text.Append("#              | |         |   ||||      |         |\n");
        return text.ToString();
    }

    /// <summary>One record's line(s): a <c>CPU:N [LOST M EVENTS]</c> line first when the buffer lost events before it.</summary>
    public static string Format(TraceRecord record, TraceSession session)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(session);
        var text = new StringBuilder();
        if (record.LostBefore > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"CPU:{record.Cpu} [LOST {record.LostBefore} EVENTS]\n");
        }

        var comm = TaskNames.Lookup(record.Pid);
        text.Append(CultureInfo.InvariantCulture, $"{comm,16}-{record.Pid,-7} [{record.Cpu:000}] .... {FormatTimestamp(record.Timestamp, session)}: ");
        if (record.Event is { } ev)
        {
            text.Append(ev.Name).Append(": ");
            ev.Class.Print.Render(record.Data, text);
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"[unknown event id {record.EventId}]");
        }

        // Last, and only when there is one, so lines of writers without an Activity keep ftrace's shape exactly.
        if (record.TraceId is { } traceId)
        {
            text.Append(" trace_id=").Append(traceId.ToHexString());
        }

        return text.ToString();
    }

    /// <summary>Seconds with microseconds for a time clock (tsc converted to monotonic time); the raw count for the counter clock.</summary>
    public static string FormatTimestamp(long timestamp, TraceSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.ToNanoseconds(timestamp) is not { } ns)
        {
            return timestamp.ToString(CultureInfo.InvariantCulture).PadLeft(12);
        }

        return string.Create(CultureInfo.InvariantCulture, $"{ns / 1_000_000_000,5}.{ns / 1000 % 1_000_000:000000}");
    }
}
