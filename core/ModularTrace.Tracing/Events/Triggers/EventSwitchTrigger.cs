namespace ModularTrace.Events.Triggers;

/// <summary>
/// <c>enable_event:&lt;system&gt;:&lt;event&gt;</c> / <c>disable_event:...</c>: switches another event on or off. With a count,
/// only state changes use it up (the kernel's <c>event_enable_count_trigger</c>).
/// </summary>
internal sealed class EventSwitchTrigger(TraceEvent target, bool enable, TriggerCount count, EventFilter? condition)
    : ConditionalTrigger(condition)
{
    public TraceEvent Target { get; } = target;

    public bool Enables { get; } = enable;

    public TriggerCount Count { get; } = count;

    protected override string Describe() => (Enables ? "enable_event:" : "disable_event:") + Target.System + ":" + Target.Name + Count;

    protected override void Run(TraceEvent ev, ReadOnlySpan<byte> record)
    {
        if (Target.IsEnabled == Enables || !Count.TryTake())
        {
            return;
        }

        Target.IsEnabled = Enables;
    }
}
