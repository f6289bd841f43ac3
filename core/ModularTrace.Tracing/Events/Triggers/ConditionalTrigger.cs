namespace ModularTrace.Events.Triggers;

/// <summary>
/// The shape every parsed trigger shares: an optional <c>if &lt;filter&gt;</c> condition checked on the record, then the
/// action; anything the action throws is counted in <see cref="Faults"/>, never passed to the traced program.
/// </summary>
internal abstract class ConditionalTrigger(EventFilter? condition) : EventTrigger
{
    private long _faults;

    /// <summary>The <c>if</c> condition, or null.</summary>
    public EventFilter? Condition { get; } = condition;

    /// <summary>How many times the action threw (and was swallowed).</summary>
    public long Faults => Interlocked.Read(ref _faults);

    /// <inheritdoc />
    public sealed override string Text => Condition is null ? Describe() : Describe() + " if " + Condition.Text;

    /// <inheritdoc />
    public sealed override void Fire(TraceEvent ev, ReadOnlySpan<byte> record)
    {
        try
        {
            if (Condition is null || Condition.Matches(record))
            {
                Run(ev, record);
            }
        }
#pragma warning disable CA1031 // Tracing never throws into the traced program (STYLE.md §5): count and carry on.
        catch (Exception)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _faults);
        }
    }

    /// <summary>The trigger as the kernel's <c>trigger</c> file prints it, without the condition.</summary>
    protected abstract string Describe();

    /// <summary>The action, for a record that passed the condition.</summary>
    protected abstract void Run(TraceEvent ev, ReadOnlySpan<byte> record);
}
