using ModularTrace.Events;
using ModularTrace.Events.Filters;
using ModularTrace.Events.Triggers;

namespace ModularTrace.Cli.Tracing;

/// <summary>The <c>filter</c> and <c>trigger</c> files as options: <c>SYS:EVENT=EXPR</c>, selectors as in <c>--enable</c>.</summary>
internal static class EventControl
{
    public static (string Selector, string Text) Split(string option, string value)
    {
        var equals = value.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || equals == value.Length - 1)
        {
            throw new CliException($"{option} '{value}': expected SYS:EVENT=EXPRESSION", $"for example {option} 'sched:sched_switch=prev_pid < 100'", ExitCodes.Usage);
        }

        return (value[..equals].Trim(), value[(equals + 1)..].Trim());
    }

    /// <summary>Parses the filter for every selected event (all or nothing) and installs it.</summary>
    public static IReadOnlyList<TraceEvent> SetFilter(TraceSession session, string selector, string expression)
    {
        var events = Select(session, selector, "--filter");
        return EventCommands.SetFilter(events, expression) is { } failure
            ? throw Refusal(session, $"--filter {failure.Event.FullName}", failure.Error)
            : events;
    }

    /// <summary>Parses the trigger for every selected event (all or nothing) and attaches it.</summary>
    public static IReadOnlyList<(TraceEvent Event, EventTrigger Trigger)> AddTrigger(TraceSession session, string selector, string text)
    {
        var (added, failure) = EventCommands.AddTrigger(Select(session, selector, "--trigger"), text, session);
        return failure is { } f ? throw Refusal(session, $"--trigger {f.Event.FullName}", f.Error) : added;
    }

    private static IReadOnlyList<TraceEvent> Select(TraceSession session, string selector, string option)
    {
        var events = session.Select(selector);
        return events.Count > 0
            ? events
            : throw new CliException($"{option} {selector}: no loaded event matches", "'mtrace events' lists the events the loaded modules define", ExitCodes.Usage);
    }

    private static int CharColumn(string command, int bytePosition)
    {
        // Past the end counts one column a byte: the kernel points one past an unknown field that ends the filter.
        var bytes = System.Text.Encoding.UTF8.GetBytes(command);
        var inside = Math.Clamp(bytePosition, 0, bytes.Length);
        return System.Text.Encoding.UTF8.GetCharCount(bytes, 0, inside) + Math.Max(0, bytePosition - inside);
    }

    // The kernel's error_log shape: the command echoed, a caret under the offending byte.
    private static CliException Refusal(TraceSession session, string what, CommandError error)
    {
        session.ErrorLog.Add(error);
        return new CliException($"{what}: {error.Message}", error.Hint, ExitCodes.Usage)
        {
            Details = $"  Command: {error.Command}\n{new string(' ', 11 + CharColumn(error.Command, error.Position))}^\n",
        };
    }
}
