namespace ModularTrace.Events;

/// <summary>
/// How a session's time-stamp counter readings map to CLOCK_MONOTONIC: the counter and the monotonic clock read
/// together at session start and again later (<see cref="TraceSession.CalibrateClock"/>); the frequency is the
/// slope between the two, rounded to whole hertz so text and CTF output convert the same way.
/// </summary>
public sealed class TscCalibration
{
    /// <summary>Builds the calibration of two readings of (counter, monotonic nanoseconds).</summary>
    /// <exception cref="ArgumentException">The second reading is not later on both clocks.</exception>
    public TscCalibration(long startTicks, long startNanoseconds, long endTicks, long endNanoseconds)
    {
        if (endTicks <= startTicks || endNanoseconds <= startNanoseconds)
        {
            throw new ArgumentException($"The second reading (tsc {endTicks}, {endNanoseconds} ns) is not after the first (tsc {startTicks}, {startNanoseconds} ns).");
        }

        (StartTicks, StartNanoseconds, EndTicks, EndNanoseconds) = (startTicks, startNanoseconds, endTicks, endNanoseconds);
        var ticks = (Int128)(endTicks - startTicks);
        var nanoseconds = endNanoseconds - startNanoseconds;
        Frequency = (long)(((ticks * 1_000_000_000) + (nanoseconds / 2)) / nanoseconds);
        if (Frequency <= 0)
        {
            throw new ArgumentException($"The readings give no frequency ({endTicks - startTicks} ticks in {nanoseconds} ns).");
        }
    }

    /// <summary>The counter at the first reading.</summary>
    public long StartTicks { get; }

    /// <summary>CLOCK_MONOTONIC (ns) at the first reading.</summary>
    public long StartNanoseconds { get; }

    /// <summary>The counter at the second reading.</summary>
    public long EndTicks { get; }

    /// <summary>CLOCK_MONOTONIC (ns) at the second reading.</summary>
    public long EndNanoseconds { get; }

    /// <summary>Counter ticks per second.</summary>
    public long Frequency { get; }

    /// <summary>The monotonic time the two readings span, in nanoseconds: the longer, the more exact the frequency.</summary>
    public long BaselineNanoseconds => EndNanoseconds - StartNanoseconds;

    /// <summary>A counter reading as CLOCK_MONOTONIC nanoseconds.</summary>
    public long ToNanoseconds(long ticks) => StartNanoseconds + (long)((Int128)(ticks - StartTicks) * 1_000_000_000 / Frequency);

    /// <summary>
    /// The CTF clock class's offset for this calibration: <c>offset_s</c> seconds and <c>offset</c> cycles (0 ≤ cycles &lt;
    /// <see cref="Frequency"/>) such that <c>offset_s + (offset + value) / freq</c> is the monotonic time of a reading.
    /// </summary>
    public (long Seconds, long Cycles) CtfOffset()
    {
        // X = start_ns * F / 1e9 - start_ticks, in cycles; split into whole seconds (floored) and the cycles left.
        var x = ((Int128)StartNanoseconds * Frequency / 1_000_000_000) - StartTicks;
        var seconds = x >= 0 ? x / Frequency : -((-x + Frequency - 1) / Frequency);
        return ((long)seconds, (long)(x - (seconds * Frequency)));
    }

    /// <summary>One line of key=value pairs, as the text header shows it.</summary>
    public override string ToString() =>
        FormattableString.Invariant($"freq={Frequency} Hz tsc={StartTicks} mono_ns={StartNanoseconds} baseline_ns={BaselineNanoseconds}");
}
