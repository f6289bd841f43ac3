using System.Globalization;
using System.Text;

namespace ModularTrace.Events;

/// <summary>
/// The last <see cref="Capacity"/> command errors of a session, rendered as the kernel's <c>error_log</c> file
/// (<c>tracing_err_log_seq_show()</c>): a time-stamped error line, the command, and a caret under the offending byte.
/// </summary>
/// <remarks>Thread-safe. Older entries are dropped first, as the kernel's list of <c>TRACING_LOG_ERRS_MAX</c> entries.</remarks>
public sealed class ErrorLog
{
    /// <summary>How many entries are kept (the kernel's <c>TRACING_LOG_ERRS_MAX</c>).</summary>
    public const int Capacity = 16;

    // The kernel's CMD_PREFIX; the caret line is indented by its length so the caret sits under the command.
    private const string CommandPrefix = "  Command: ";

    private readonly Lock _gate = new();
    private readonly Queue<(TimeSpan At, CommandError Error)> _entries = new(Capacity);
    private readonly TimeProvider _time;
    private readonly long _start;

    /// <summary>Creates an empty log; times are measured from now on <paramref name="time"/> (the system clock by default).</summary>
    public ErrorLog(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _start = _time.GetTimestamp();
    }

    /// <summary>How many entries the log holds.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>The entries, oldest first.</summary>
    public IReadOnlyList<CommandError> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries.Select(entry => entry.Error)];
            }
        }
    }

    /// <summary>Records an error, stamped with the time since the log was created; drops the oldest beyond <see cref="Capacity"/>.</summary>
    public void Add(CommandError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var at = _time.GetElapsedTime(_start);
        lock (_gate)
        {
            if (_entries.Count == Capacity)
            {
                _entries.Dequeue();
            }

            _entries.Enqueue((at, error));
        }
    }

    /// <summary>Empties the log (the kernel: opening <c>error_log</c> with <c>O_TRUNC</c>).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _entries.Clear();
        }
    }

    /// <summary>The log in the kernel's format, three lines per entry, oldest first.</summary>
    public string Render()
    {
        (TimeSpan At, CommandError Error)[] entries;
        lock (_gate)
        {
            entries = [.. _entries];
        }

        var text = new StringBuilder();
        foreach (var (at, error) in entries)
        {
            Format(text, at, error);
        }

        return text.ToString();
    }

    /// <summary>One entry in the kernel's format: <c>[%5llu.%06u] subsys: error: text</c>, the command, the caret.</summary>
    internal static void Format(StringBuilder text, TimeSpan at, CommandError error)
    {
        var micros = Math.Max(0, at.Ticks / (TimeSpan.TicksPerMillisecond / 1000));
        text.Append(CultureInfo.InvariantCulture, $"[{micros / 1_000_000,5}.{micros % 1_000_000:D6}] {error.Subsystem}: error: {error.Message}\n");
        text.Append(CommandPrefix).Append(error.Command).Append('\n');
        text.Append(' ', CommandPrefix.Length + Math.Max(0, error.Position)).Append("^\n");
    }
}
