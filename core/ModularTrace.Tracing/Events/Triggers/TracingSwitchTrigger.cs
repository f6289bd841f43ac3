namespace ModularTrace.Events.Triggers;

/// <summary>
/// <c>traceon</c> / <c>traceoff</c>: sets the session's <c>tracing_on</c>. With a count, only state changes use it up,
/// as the kernel's <c>traceon_count_trigger</c>: a <c>traceoff:1</c> that finds tracing already off stays armed.
/// </summary>
internal sealed class TracingSwitchTrigger(TraceSession session, bool on, TriggerCount count, EventFilter? condition)
    : ConditionalTrigger(condition)
{
    public bool TurnsOn { get; } = on;

    public TriggerCount Count { get; } = count;

    protected override string Describe() => (TurnsOn ? "traceon" : "traceoff") + Count;

    protected override void Run(TraceEvent ev, ReadOnlySpan<byte> record)
    {
        if (session.TracingOn == TurnsOn || !Count.TryTake())
        {
            return;
        }

        session.TracingOn = TurnsOn;
    }
}
