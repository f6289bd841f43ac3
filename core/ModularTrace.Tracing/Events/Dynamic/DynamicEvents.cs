using System.Collections.Immutable;
using System.Globalization;
using ModularTrace.Hooks;

namespace ModularTrace.Events.Dynamic;

/// <summary>
/// The dynamic events of one session on one hook registry (the kernel's <c>dynamic_events</c> file): each is a trace
/// event plus one probe on a raw hook that records the chosen arguments.
/// </summary>
/// <remarks>
/// <para>Thread-safe; adding and removing are serialised. Every event and probe is registered with <see cref="Owner"/>,
/// so <see cref="Clear"/> (or <c>DetachOwnedBy</c>/<c>RemoveOwnedBy</c> with it) removes them all.</para>
/// <para>Dynamic events run no foreign code: they need no signature. Whether a host allows them is its choice
/// (<c>allowed</c>); ModularTrace's lockdown allows them (docs/dynamic-events.md says why).</para>
/// </remarks>
public sealed class DynamicEvents
{
    private readonly Lock _gate = new();
    private ImmutableList<DynamicEvent> _events = [];

    /// <summary>Creates an empty set for a session and the registry its hooks come from.</summary>
    /// <param name="session">Where the events are defined.</param>
    /// <param name="hooks">Where hooks are looked up.</param>
    /// <param name="allowed">False refuses every <see cref="Add"/> (EPERM), for hosts that forbid dynamic events.</param>
    public DynamicEvents(TraceSession session, HookRegistry hooks, bool allowed = true)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(hooks);
        Session = session;
        Hooks = hooks;
        IsAllowed = allowed;
    }

    /// <summary>The session events are defined in.</summary>
    public TraceSession Session { get; }

    /// <summary>The registry hooks are looked up in.</summary>
    public HookRegistry Hooks { get; }

    /// <summary>Whether <see cref="Add"/> may define events.</summary>
    public bool IsAllowed { get; }

    /// <summary>The owner token of every event and probe added here.</summary>
    public object Owner { get; } = new DynamicEventsOwner();

    /// <summary>The events, in the order they were added.</summary>
    public IReadOnlyList<DynamicEvent> List() => _events;

    /// <summary>
    /// The events as the trace metadata records them, one <c>group/event=hook(type name, ...)</c> line each, so a
    /// reader of the trace knows which fields came from which hook arguments.
    /// </summary>
    public IReadOnlyList<string> Metadata() => [.. _events.Select(ev => ev.Spec.Canonical)];

    /// <summary>
    /// Parses a definition, defines its event (disabled, as every new event) and attaches its probe. On any refusal
    /// nothing is left behind, and the error is also added to the session's <see cref="TraceSession.ErrorLog"/>.
    /// </summary>
    /// <returns>The event, or the error with its position: a parse error, EEXIST, or EPERM when not allowed.</returns>
    public ParseResult<DynamicEvent> Add(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        lock (_gate)
        {
            if (!IsAllowed)
            {
                return Refuse(new CommandError(DynamicEventParser.ErrorSubsystem, spec, 0, "Dynamic events are not allowed on this host (EPERM)"));
            }

            var parsed = DynamicEventParser.Parse(spec, Hooks);
            if (!parsed.IsSuccess)
            {
                return Refuse(parsed.Error);
            }

            var definition = parsed.Value;
            var (eventClass, writers) = BuildClass(definition);
            TraceEvent traceEvent;
            try
            {
                traceEvent = Session.Define(definition.Group, definition.Event, eventClass, Owner);
            }
            catch (InvalidOperationException)
            {
                return Refuse(new CommandError(
                    DynamicEventParser.ErrorSubsystem, spec, definition.EventPosition, $"Event {definition.FullName} exists already (EEXIST)"));
            }

            Func<bool> detach;
            try
            {
                detach = DynamicProbes.Attach(definition.Hook, traceEvent, writers, Owner);
            }
            catch
            {
                Session.Remove(traceEvent);
                throw;
            }

            var added = new DynamicEvent(definition, traceEvent, detach);
            _events = _events.Add(added);
            return new ParseResult<DynamicEvent>(added);
        }
    }

    /// <summary>
    /// Detaches an event's probe, waits until no thread still runs it, and removes the event (records already written
    /// stay readable). <paramref name="name"/> is <c>group/event</c> or <c>group:event</c>. False when there is no such event.
    /// </summary>
    public bool Remove(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            var normalised = name.Replace(':', '/');
            var found = _events.Find(ev => ev.Name == normalised);
            if (found is null)
            {
                return false;
            }

            RemoveLocked(found);
            return true;
        }
    }

    /// <summary>Removes every dynamic event; returns how many.</summary>
    public int Clear()
    {
        lock (_gate)
        {
            var all = _events;
            foreach (var ev in all)
            {
                RemoveLocked(ev);
            }

            return all.Count;
        }
    }

    private void RemoveLocked(DynamicEvent ev)
    {
        ev.Detach();
        ev.Spec.Hook.Synchronize();
        Session.Remove(ev.Event);
        _events = _events.Remove(ev);
    }

    private ParseResult<DynamicEvent> Refuse(CommandError error)
    {
        Session.ErrorLog.Add(error);
        return new ParseResult<DynamicEvent>(error);
    }

    // The layout has the recorded arguments in the spec's order; the print format is the kernel's probe-event style:
    // name=value, hex as 0x.., strings in double quotes, a char in single quotes.
    private static (EventClass Class, object?[] Writers) BuildClass(DynamicEventSpec spec)
    {
        var builder = new EventLayoutBuilder();
        var writers = new object?[spec.Hook.Signature.Arguments.Length];
        var print = new List<string>(spec.Arguments.Length);
        foreach (var argument in spec.Arguments)
        {
            var field = argument.Type switch
            {
                FetchType.Text => builder.DynamicString(argument.Name),
                FetchType.Character => builder.Chars(argument.Name, 4),
                _ => builder.Add(argument.Name, argument.Type.StorageType()),
            };
            writers[argument.Index] = ArgumentWriters.Create(argument.Source.Type, field);
            print.Add(argument.Type switch
            {
                FetchType.Text => $"{argument.Name}=\"{{{argument.Name}}}\"",
                FetchType.Character => $"{argument.Name}='{{{argument.Name}}}'",
                _ when argument.Type.IsHex() => $"{argument.Name}=0x{{{argument.Name}:x}}",
                _ => $"{argument.Name}={{{argument.Name}}}",
            });
        }

        var className = string.Create(CultureInfo.InvariantCulture, $"{spec.Group}_{spec.Event}");
        return (new EventClass(className, builder.Build(), string.Join(' ', print)), writers);
    }

    private sealed class DynamicEventsOwner
    {
        public override string ToString() => "dynamic_events";
    }
}
