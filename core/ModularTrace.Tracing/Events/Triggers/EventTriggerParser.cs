using System.Text;
using ModularTrace.Events.Filters;

namespace ModularTrace.Events.Triggers;

/// <summary>
/// Parses a line of the kernel's <c>events/&lt;system&gt;/&lt;event&gt;/trigger</c> file into a trigger for one event:
/// <c>traceon[:N]</c>, <c>traceoff[:N]</c>, <c>enable_event:&lt;system&gt;:&lt;event&gt;[:N]</c>,
/// <c>disable_event:&lt;system&gt;:&lt;event&gt;[:N]</c> and
/// <c>hist:keys=&lt;field&gt;[.hex][,...][:vals=&lt;field&gt;[,...]][:sort=&lt;field|hitcount&gt;[.descending][,...]][:size=N]</c>,
/// each optionally followed by <c>if &lt;filter&gt;</c>.
/// </summary>
/// <remarks>
/// As in the kernel (<c>trigger_process_regex()</c>), the trigger itself is the text up to the first white space and
/// anything after it must be <c>if &lt;filter&gt;</c>. A count <c>:N</c> limits how many times the trigger changes
/// state. The parser attaches nothing: pass the result to <see cref="TraceEvent.AddTrigger"/>.
/// </remarks>
public static class EventTriggerParser
{
    /// <summary>Parses <paramref name="text"/> as a trigger of <paramref name="ev"/>; event names resolve in <paramref name="session"/>.</summary>
    /// <returns>The trigger, or the error with the byte position of the offending token, ready for <see cref="ErrorLog.Add"/>.
    /// Errors in the <c>if</c> part are the filter parser's (subsystem <see cref="EventFilterParser.ErrorSubsystem"/>), with the
    /// filter after <c>if</c> as their command, as the kernel logs them; hist errors are logged as
    /// <c>hist:&lt;system&gt;:&lt;event&gt;</c> against the text from <c>hist</c> on (the kernel's), others as <c>trigger:&lt;system&gt;:&lt;event&gt;</c>.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static ParseResult<EventTrigger> Parse(string text, TraceEvent ev, TraceSession session)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(ev);
        ArgumentNullException.ThrowIfNull(session);

        // trigger_process_regex() strim()s the line: trailing white space is not part of any command or filter.
        text = text.TrimEnd(' ', '\t', '\n', '\r', '\v', '\f');
        var start = SkipSpace(text, 0);
        var specEnd = start;
        while (specEnd < text.Length && !IsSpace(text[specEnd]))
        {
            specEnd++;
        }

        var spec = text[start..specEnd];
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        var command = colon < 0 ? spec : spec[..colon];
        var paramsAt = colon < 0 ? -1 : start + colon + 1;
        var subsystem = (command == "hist" ? "hist:" : "trigger:") + ev.System + ":" + ev.Name;
        if (spec.Length == 0)
        {
            return Fail(subsystem, text, start, "No trigger command");
        }

        // The kernel reads the trigger's parameters before its filter (event_trigger_parse(), event_hist_trigger_parse()),
        // so a bad count or hist attribute is reported even when the 'if' part is bad too.
        var rest = SkipSpace(text, specEnd);
        if (rest < text.Length && (!text.AsSpan(rest).StartsWith("if", StringComparison.Ordinal) || (rest + 2 < text.Length && !IsSpace(text[rest + 2]))))
        {
            return Fail(subsystem, text, rest, "Expecting 'if <filter>' after the trigger");
        }

        var build = command switch
        {
            "traceon" or "traceoff" => ParseTracingSwitch(text, subsystem, paramsAt, specEnd, command == "traceon", session),
            "enable_event" or "disable_event" =>
                ParseEventSwitch(text, subsystem, paramsAt < 0 ? specEnd : paramsAt, specEnd, command == "enable_event", session),
            "hist" => HistTriggerParser.Parse(text, subsystem, start, paramsAt < 0 ? specEnd : paramsAt, specEnd, ev.Class.Layout),
            _ => Fail<Func<EventFilter?, EventTrigger>>(
                subsystem, text, start, $"Unknown trigger command '{command}' (known: traceon, traceoff, enable_event, disable_event, hist)"),
        };
        if (!build.IsSuccess)
        {
            return new ParseResult<EventTrigger>(build.Error);
        }

        if (rest == text.Length)
        {
            return new ParseResult<EventTrigger>(build.Value(null));
        }

        if (rest + 2 == text.Length)
        {
            return Fail(subsystem, text, rest + 2, "Expecting a filter after 'if'");
        }

        // set_trigger_filter() splits "if" off at the first blank and parses the rest alone: its error_log entry shows
        // that text as the command and counts positions from its start.
        var filter = EventFilterParser.Parse(text[(rest + 3)..], ev.Class.Layout);
        return filter.IsSuccess ? new ParseResult<EventTrigger>(build.Value(filter.Value)) : new ParseResult<EventTrigger>(filter.Error);
    }

    private static ParseResult<Func<EventFilter?, EventTrigger>> ParseTracingSwitch(
        string text, string subsystem, int paramsAt, int end, bool on, TraceSession session)
    {
        if (!TryParseCount(text, paramsAt, end, out var count))
        {
            return Fail<Func<EventFilter?, EventTrigger>>(subsystem, text, paramsAt, "Invalid count: expecting ':N' with N a non-negative integer");
        }

        return new(condition => new TracingSwitchTrigger(session, on, count, condition));
    }

    private static ParseResult<Func<EventFilter?, EventTrigger>> ParseEventSwitch(
        string text, string subsystem, int at, int end, bool enable, TraceSession session)
    {
        var systemEnd = text.IndexOf(':', at, end - at);
        if (systemEnd <= at)
        {
            return Fail<Func<EventFilter?, EventTrigger>>(subsystem, text, systemEnd < 0 ? end : at, "Expecting <system>:<event>");
        }

        var nameAt = systemEnd + 1;
        var nameEnd = text.IndexOf(':', nameAt, end - nameAt);
        var countAt = nameEnd < 0 ? -1 : nameEnd + 1;
        nameEnd = nameEnd < 0 ? end : nameEnd;
        if (nameEnd == nameAt)
        {
            return Fail<Func<EventFilter?, EventTrigger>>(subsystem, text, nameAt, "Expecting <system>:<event>");
        }

        var fullName = text[at..systemEnd] + ":" + text[nameAt..nameEnd];
        var target = session.Find(fullName);
        if (target is null)
        {
            return Fail<Func<EventFilter?, EventTrigger>>(subsystem, text, at, $"Event not found: '{fullName}'");
        }

        if (!TryParseCount(text, countAt, end, out var count))
        {
            return Fail<Func<EventFilter?, EventTrigger>>(subsystem, text, countAt, "Invalid count: expecting ':N' with N a non-negative integer");
        }

        return new(condition => new EventSwitchTrigger(target, enable, count, condition));
    }

    /// <summary>The optional count in <c>text[at..end]</c> (<paramref name="at"/> -1: none, unlimited).</summary>
    private static bool TryParseCount(string text, int at, int end, out TriggerCount count)
    {
        count = new TriggerCount(TriggerCount.Unlimited);
        if (at < 0)
        {
            return true;
        }

        if (!EventFilterParser.TryParseInteger(text.AsSpan(at, end - at), signed: false, out var value) || value > long.MaxValue)
        {
            return false;
        }

        count = new TriggerCount((long)value);
        return true;
    }

    internal static ParseResult<EventTrigger> Fail(string subsystem, string text, int at, string message)
        => Fail<EventTrigger>(subsystem, text, at, message);

    internal static ParseResult<T> Fail<T>(string subsystem, string text, int at, string message, string? hint = null)
        where T : class
        => new(new CommandError(subsystem, text, Encoding.UTF8.GetByteCount(text.AsSpan(0, Math.Clamp(at, 0, text.Length))), message) { Hint = hint });

    internal static int SkipSpace(string text, int at)
    {
        while (at < text.Length && IsSpace(text[at]))
        {
            at++;
        }

        return at;
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\r' or '\v' or '\f';
}
