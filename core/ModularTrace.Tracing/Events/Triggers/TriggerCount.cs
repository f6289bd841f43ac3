using System.Globalization;

namespace ModularTrace.Events.Triggers;

/// <summary>
/// The optional <c>:N</c> of a trigger: how many more times it may act (the kernel's <c>data-&gt;count</c>, -1 unlimited).
/// Taken atomically, so two writers never both take the last one.
/// </summary>
internal sealed class TriggerCount(long initial)
{
    public const long Unlimited = -1;

    private long _remaining = initial;

    public long Remaining => Interlocked.Read(ref _remaining);

    /// <summary>Takes one use; false when none is left.</summary>
    public bool TryTake()
    {
        while (true)
        {
            var remaining = Interlocked.Read(ref _remaining);
            if (remaining == Unlimited)
            {
                return true;
            }

            if (remaining <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _remaining, remaining - 1, remaining) == remaining)
            {
                return true;
            }
        }
    }

    /// <summary>The kernel's print: <c>:unlimited</c> or <c>:count=N</c> (what is left).</summary>
    public override string ToString()
    {
        var remaining = Remaining;
        return remaining == Unlimited ? ":unlimited" : string.Create(CultureInfo.InvariantCulture, $":count={remaining}");
    }
}
