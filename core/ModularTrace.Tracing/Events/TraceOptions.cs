namespace ModularTrace.Events;

/// <summary>The clock records are stamped with (the kernel's <c>trace_clock</c>).</summary>
public enum TraceClock
{
    /// <summary>Monotonic time (<c>Stopwatch</c>), comparable across threads and with other tools. The default.</summary>
    Mono,

    /// <summary>A global atomic counter: orders events exactly across threads, measures no time.</summary>
    Counter,

    /// <summary>
    /// Coarse monotonic time in milliseconds (<c>Environment.TickCount64</c>, <c>CLOCK_MONOTONIC_COARSE</c> on Linux; the
    /// kernel's jiffies-based <c>uptime</c> clock): comparable across threads, cheaper to read than <see cref="Mono"/>,
    /// but it advances in steps of one tick (1-4 ms), so events within a tick share a timestamp.
    /// </summary>
    Coarse,

    /// <summary>
    /// The CPU's time-stamp counter (<see cref="TscClock"/>): raw cycles in the records, about half the cost of
    /// <see cref="Mono"/> to read, converted to monotonic time by a calibration taken at session start and again when
    /// the trace is written (<see cref="TraceSession.CalibrateClock"/>). Where the counter is not invariant or not used by
    /// the kernel, a session asking for it uses <see cref="Mono"/> and says why in <see cref="TraceSession.ClockNote"/>.
    /// </summary>
    Tsc,
}

/// <summary>How a session's ring buffers behave.</summary>
public sealed record TraceOptions
{
    /// <summary>Bytes per ring buffer (one per writing thread / simulated CPU). Default 2 MiB.</summary>
    public int BufferSize { get; init; } = 2 << 20;

    /// <summary>Overwrite the oldest records when full (flight recorder) instead of dropping the newest.</summary>
    public bool Overwrite { get; init; }

    /// <summary>The clock.</summary>
    public TraceClock Clock { get; init; } = TraceClock.Mono;
}
