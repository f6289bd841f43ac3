using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using ModularTrace.Buffers;
using ModularTrace.Hooks;
using ModularTrace.Tasks;

namespace ModularTrace.Events;

/// <summary>
/// The host's tracing instance: the defined events (by system and name), the ring buffers they write into
/// (one per writing thread, labelled with its CPU), the clock, and the <c>tracing_on</c> switch.
/// </summary>
/// <remarks>
/// Thread-safe. A removed event's id keeps decoding records already written until <see cref="RemovedEventsKept"/> later
/// removals push it out; only then is its id reused, and fresh ids are used up first, so modules can be loaded and
/// unloaded forever in bounded memory.
/// </remarks>
public sealed class TraceSession
{
    private static long s_sessions;
    private readonly Lock _gate = new();
    // Which session a thread's buffer belongs to (RingBuffer.SessionId); never 0, the id of a buffer made on its own.
    private readonly long _id = Interlocked.Increment(ref s_sessions);
    private ImmutableArray<RingBuffer> _buffers = [];
    private ImmutableDictionary<string, TraceEvent> _events = ImmutableDictionary.Create<string, TraceEvent>(StringComparer.Ordinal);
    private ImmutableDictionary<ushort, TraceEvent> _byId = ImmutableDictionary<ushort, TraceEvent>.Empty;
    private readonly Queue<TraceEvent> _removed = new();
    private readonly Queue<ushort> _freeIds = new();
    private ushort _nextId = 1;
    private long _counter;
    private volatile bool _tracingOn = true;

    /// <summary>Creates a session.</summary>
    public TraceSession(TraceOptions? options = null)
        : this(options, options?.Clock == TraceClock.Tsc ? TscClock.UnavailableReason : null) // maps the rdtsc page only when asked
    {
    }

    /// <summary>Creates a session as on a machine where the TSC clock is unavailable for <paramref name="tscUnavailable"/> (null: available).</summary>
    internal TraceSession(TraceOptions? options, string? tscUnavailable)
    {
        options ??= new TraceOptions();
        if (options.Clock == TraceClock.Tsc && tscUnavailable is not null)
        {
            ClockNote = $"trace clock tsc unavailable ({tscUnavailable}): using mono";
            options = options with { Clock = TraceClock.Mono };
        }

        Options = options;
        _clock = Options.Clock;
        if (_clock == TraceClock.Tsc)
        {
            _tscStart = TscClock.ReadPair();
        }
    }

    // Read on every record: a field of its own instead of Options.Clock.
    private readonly TraceClock _clock;

    /// <summary>How many removed events stay decodable (their records may still sit in the buffers).</summary>
    public const int RemovedEventsKept = 256;

    /// <summary>Buffer size, mode and clock.</summary>
    public TraceOptions Options { get; }

    /// <summary>The session's <c>error_log</c>: refused filters, triggers and dynamic events, newest last.</summary>
    public ErrorLog ErrorLog { get; } = new();

    /// <summary>The <c>tracing_on</c> switch: when off, no event records (a <c>traceoff</c> trigger turns it off).</summary>
    public bool TracingOn
    {
        get => _tracingOn;
        set => _tracingOn = value;
    }

    /// <summary>The defined (not removed) events, sorted by full name.</summary>
    public IReadOnlyList<TraceEvent> Events => [.. _events.Values.OrderBy(e => e.FullName, StringComparer.Ordinal)];

    /// <summary>The ring buffers made so far.</summary>
    public ImmutableArray<RingBuffer> Buffers => _buffers;

    /// <summary>Clock ticks per second of <see cref="Options"/>' clock (0 for the counter clock; the calibrated rate for tsc).</summary>
    public long ClockFrequency => Options.Clock switch
    {
        TraceClock.Mono => Stopwatch.Frequency,
        TraceClock.Coarse => 1000,
        TraceClock.Tsc => Calibration!.Frequency,
        _ => 0,
    };

    /// <summary>
    /// Why the session does not use the clock its options asked for (the TSC clock where the counter is unavailable,
    /// <see cref="TscClock.UnavailableReason"/>); null when it does. <see cref="Options"/> holds the clock in use.
    /// </summary>
    public string? ClockNote { get; }

    private readonly (long Ticks, long Nanoseconds) _tscStart;
    private volatile TscCalibration? _calibration;

    /// <summary>
    /// For the tsc clock, how its readings map to monotonic time: the one <see cref="CalibrateClock"/> took last, or a
    /// first one taken now. Null for the other clocks.
    /// </summary>
    public TscCalibration? Calibration => _clock != TraceClock.Tsc ? null : _calibration ?? CalibrateClock();

    /// <summary>
    /// Reads the counter and the monotonic clock again and makes that, with the session's first reading, the
    /// calibration every later conversion uses: call it when the trace is written (the session's end), as
    /// <c>mtrace run</c> does. The two readings are at least <see cref="MinCalibrationBaseline"/> apart (it waits the
    /// rest if the session is younger). Null for the other clocks.
    /// </summary>
    public TscCalibration? CalibrateClock()
    {
        if (_clock != TraceClock.Tsc)
        {
            return null;
        }

        lock (_gate)
        {
            var end = TscClock.ReadPair();
            var wait = MinCalibrationBaseline - TimeSpan.FromTicks((end.Nanoseconds - _tscStart.Nanoseconds) / 100);
            if (wait > TimeSpan.Zero)
            {
                Thread.Sleep(wait + TimeSpan.FromMilliseconds(1));
                end = TscClock.ReadPair();
            }

            return _calibration = new TscCalibration(_tscStart.Ticks, _tscStart.Nanoseconds, end.Ticks, end.Nanoseconds);
        }
    }

    /// <summary>The shortest time between the two readings of a TSC calibration (a frequency within about 10 ppm).</summary>
    public static readonly TimeSpan MinCalibrationBaseline = TimeSpan.FromMilliseconds(10);

    /// <summary>A timestamp of a time clock as monotonic nanoseconds (tsc through <see cref="Calibration"/>); null for the counter clock.</summary>
    public long? ToNanoseconds(long timestamp) => _clock switch
    {
        TraceClock.Tsc => Calibration!.ToNanoseconds(timestamp),
        TraceClock.Counter => null,
        _ => (long)(timestamp * (1_000_000_000.0 / ClockFrequency)),
    };

    /// <summary>Defines an event.</summary>
    /// <exception cref="InvalidOperationException">An event of that system and name exists (EEXIST), or ids are exhausted.</exception>
    public TraceEvent Define(string system, string name, EventClass eventClass, object? owner = null)
    {
        ArgumentNullException.ThrowIfNull(eventClass);
        if (!Hooks.HookSignature.IsIdentifier(system) || !Hooks.HookSignature.IsIdentifier(name))
        {
            throw new ArgumentException($"Event '{system}:{name}': system and name must be identifiers.", nameof(name));
        }

        lock (_gate)
        {
            var fullName = system + ":" + name;
            if (_events.ContainsKey(fullName))
            {
                throw new InvalidOperationException($"Event '{fullName}' is defined already (EEXIST).");
            }

            ushort id;
            if (_nextId < ushort.MaxValue)
            {
                id = _nextId++;
            }
            else if (!_freeIds.TryDequeue(out id))
            {
                throw new InvalidOperationException($"No event ids left in this session ({_events.Count} events defined).");
            }

            var ev = new TraceEvent(this, id, system, name, eventClass, owner);
            _events = _events.Add(fullName, ev);
            _byId = _byId.SetItem(ev.Id, ev);
            return ev;
        }
    }

    /// <summary>Removes an event: it stops recording; its id keeps decoding records already written.</summary>
    public bool Remove(TraceEvent ev)
    {
        ArgumentNullException.ThrowIfNull(ev);
        lock (_gate)
        {
            if (!_events.TryGetValue(ev.FullName, out var current) || current != ev)
            {
                return false;
            }

            ev.IsEnabled = false;
            ev.IsRemoved = true;
            _events = _events.Remove(ev.FullName);
            _removed.Enqueue(ev);
            if (_removed.Count > RemovedEventsKept)
            {
                var forgotten = _removed.Dequeue();
                _byId = _byId.Remove(forgotten.Id);
                _freeIds.Enqueue(forgotten.Id);
            }

            return true;
        }
    }

    /// <summary>Removes every event of an owner; returns them.</summary>
    public IReadOnlyList<TraceEvent> RemoveOwnedBy(object owner)
    {
        var owned = _events.Values.Where(e => ReferenceEquals(e.Owner, owner)).ToArray();
        foreach (var ev in owned)
        {
            Remove(ev);
        }

        return owned;
    }

    /// <summary>Looks an event up by <c>system:name</c>.</summary>
    public TraceEvent? Find(string fullName) => _events.GetValueOrDefault(fullName);

    /// <summary>The event (live or removed) that wrote records with this id.</summary>
    public TraceEvent? FindById(ushort id) => _byId.GetValueOrDefault(id);

    /// <summary>
    /// The events a selector names: <c>system:event</c>, <c>system:*</c>, <c>*:event</c>, <c>*:*</c> or <c>all</c>
    /// (a bare <c>event</c> means <c>*:event</c>).
    /// </summary>
    public IReadOnlyList<TraceEvent> Select(string selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        if (selector is "all" or "*")
        {
            selector = "*:*";
        }

        var colon = selector.IndexOf(':', StringComparison.Ordinal);
        var system = colon < 0 ? "*" : selector[..colon];
        var name = colon < 0 ? selector : selector[(colon + 1)..];
        return [.. Events.Where(e => (system == "*" || e.System == system) && (name == "*" || e.Name == name))];
    }

    /// <summary>Enables or disables every event a selector names; returns how many it named.</summary>
    public int SetEnabled(string selector, bool enabled)
    {
        var selected = Select(selector);
        foreach (var ev in selected)
        {
            ev.IsEnabled = enabled;
        }

        return selected.Count;
    }

    /// <summary>The current time on the session's clock.</summary>
    public long Now() => _clock switch
    {
        TraceClock.Mono => Stopwatch.GetTimestamp(),
        TraceClock.Coarse => Environment.TickCount64,
        TraceClock.Tsc => TscClock.Read(),
        _ => Interlocked.Increment(ref _counter),
    };

    /// <summary>The name <c>trace_clock</c> shows and <c>mtrace run --clock</c> takes: mono, counter, coarse or tsc.</summary>
    public static string ClockName(TraceClock clock) => clock switch
    {
        TraceClock.Mono => "mono",
        TraceClock.Counter => "counter",
        TraceClock.Coarse => "coarse",
        TraceClock.Tsc => "tsc",
        _ => throw new ArgumentOutOfRangeException(nameof(clock), clock, "unknown trace clock"),
    };

    /// <summary>The clock a name of <see cref="ClockName"/> means (case-insensitive); false for any other text.</summary>
    public static bool TryParseClock(string? name, out TraceClock clock)
    {
        foreach (var candidate in Enum.GetValues<TraceClock>())
        {
            if (string.Equals(name, ClockName(candidate), StringComparison.OrdinalIgnoreCase))
            {
                clock = candidate;
                return true;
            }
        }

        clock = default;
        return false;
    }

    /// <summary>The clock names, for messages: <c>mono, counter, coarse or tsc</c>.</summary>
    public static string ClockNames => "mono, counter, coarse or tsc";

    /// <summary>The calling thread's ring buffer, made on first use.</summary>
    internal RingBuffer CurrentBuffer() => BufferOf(ThreadTraceState.Current);

    /// <summary>The ring buffer of the thread whose state this is, made on first use (the buffer knows its session).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal RingBuffer BufferOf(ThreadTraceState state)
    {
        // Only this method and NewBuffer write the slot, always with a RingBuffer: the cast is a reinterpretation.
        var buffer = Unsafe.As<RingBuffer?>(state.Buffer);
        return buffer is not null && buffer.SessionId == _id ? buffer : NewBuffer(state);
    }

    private RingBuffer NewBuffer(ThreadTraceState state)
    {
        lock (_gate)
        {
            var buffer = new RingBuffer(_buffers.Length, CurrentTask.Cpu, Options.BufferSize, Options.Overwrite) { SessionId = _id };
            _buffers = _buffers.Add(buffer);
            state.Buffer = buffer;
            return buffer;
        }
    }
}
