using ModularTrace.Events.Filters;
using ModularTrace.Events.Triggers;

namespace ModularTrace.Events;

/// <summary>
/// Writing the <c>filter</c> and <c>trigger</c> files of several events at once, all or nothing: the text is parsed
/// for every event before any is changed, so one event whose fields do not fit leaves every event as it was. The one
/// copy of this rule, for the command line (<c>--filter</c>, <c>--trigger</c>) and the control socket.
/// </summary>
internal static class EventCommands
{
    /// <summary>Installs <paramref name="expression"/> as the filter of every event; <c>0</c> clears it, as in the kernel.</summary>
    /// <returns>Null when installed; else the first event it did not parse for, and why (nothing was changed).</returns>
    public static (TraceEvent Event, CommandError Error)? SetFilter(IReadOnlyList<TraceEvent> events, string expression)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(expression);
        var parsed = new List<(TraceEvent Event, EventFilter? Filter)>(events.Count);
        var clear = expression.Trim() == "0";
        foreach (var ev in events)
        {
            if (clear)
            {
                parsed.Add((ev, null));
                continue;
            }

            var filter = EventFilterParser.Parse(expression, ev.Class.Layout);
            if (!filter.IsSuccess)
            {
                return (ev, filter.Error);
            }

            parsed.Add((ev, filter.Value));
        }

        foreach (var (ev, filter) in parsed)
        {
            ev.Filter = filter;
        }

        return null;
    }

    /// <summary>Parses <paramref name="text"/> as a trigger for every event, then attaches one to each.</summary>
    /// <returns>The triggers attached, or the first event it did not parse for and why (nothing was attached).</returns>
    public static (IReadOnlyList<(TraceEvent Event, EventTrigger Trigger)> Added, (TraceEvent Event, CommandError Error)? Failure) AddTrigger(
        IReadOnlyList<TraceEvent> events, string text, TraceSession session)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(text);
        var parsed = new List<(TraceEvent Event, EventTrigger Trigger)>(events.Count);
        foreach (var ev in events)
        {
            var trigger = EventTriggerParser.Parse(text, ev, session);
            if (!trigger.IsSuccess)
            {
                return ([], (ev, trigger.Error));
            }

            parsed.Add((ev, trigger.Value));
        }

        foreach (var (ev, trigger) in parsed)
        {
            ev.AddTrigger(trigger);
        }

        return (parsed, null);
    }
}
