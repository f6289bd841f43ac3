namespace ModularTrace.Events.Dynamic;

/// <summary>A dynamic event in place: its definition and the trace event it records into. Made by <see cref="DynamicEvents.Add"/>.</summary>
public sealed class DynamicEvent
{
    private readonly Func<bool> _detach;

    internal DynamicEvent(DynamicEventSpec spec, TraceEvent traceEvent, Func<bool> detach)
    {
        Spec = spec;
        Event = traceEvent;
        _detach = detach;
    }

    /// <summary>The parsed definition.</summary>
    public DynamicEventSpec Spec { get; }

    /// <summary>The trace event (enable, filter, triggers and format as any module's event).</summary>
    public TraceEvent Event { get; }

    /// <summary><c>group/event</c>, as the kernel's <c>dynamic_events</c> file names it.</summary>
    public string Name => Spec.Group + "/" + Spec.Event;

    internal bool Detach() => _detach();

    /// <inheritdoc />
    public override string ToString() => Spec.Canonical;
}
