using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;
using ModularTrace.Buffers;
using ModularTrace.Hooks;
using ModularTrace.Tasks;

namespace ModularTrace.Events;

/// <summary>
/// A user-visible trace event (<c>events/&lt;system&gt;/&lt;name&gt;</c>): an id, a class (layout + print format),
/// an enable switch, an optional filter and triggers. Modules define events and write them from their probes.
/// </summary>
/// <remarks>
/// The write path: <c>var w = ev.Reserve(dynamicBytes); if (!w.IsReserved) return; w.Set(field, value); ... w.Commit();</c>
/// Reserve claims a slot in the calling thread's ring buffer and fills the common fields; Set writes straight into
/// the slot; Commit applies the filter (discarding the slot if it does not match), publishes it and runs triggers.
/// Nothing on that path allocates.
/// </remarks>
public sealed class TraceEvent
{
    private volatile bool _enabled;
    private volatile EventFilter? _filter;
    private EventTrigger[] _triggers = [];
    private long _filtered;
    private ProbeBinding[] _bindings = [];
    private bool _removed;

    internal TraceEvent(TraceSession session, ushort id, string system, string name, EventClass eventClass, object? owner)
    {
        Session = session;
        Id = id;
        System = system;
        Name = name;
        Class = eventClass;
        Owner = owner;
        _fixedSize = eventClass.Layout.FixedSize;
    }

    // Read on every Reserve: a field of its own instead of Class.Layout.FixedSize.
    private readonly int _fixedSize;

    /// <summary>The session the event writes into.</summary>
    internal TraceSession Session { get; }

    /// <summary>The event id (<c>common_type</c>), unique in the session and never reused.</summary>
    public ushort Id { get; }

    /// <summary>The system (group), e.g. <c>sched</c>.</summary>
    public string System { get; }

    /// <summary>The event name, e.g. <c>sched_switch</c>.</summary>
    public string Name { get; }

    /// <summary><c>system:name</c>.</summary>
    public string FullName => System + ":" + Name;

    /// <summary>Layout and print format.</summary>
    public EventClass Class { get; }

    /// <summary>Whatever defined the event (a module), or null.</summary>
    public object? Owner { get; }

    /// <summary>Whether the event records (the <c>enable</c> file).</summary>
    /// <remarks>
    /// Probes bound to the event (<see cref="Bind"/>: <c>ModuleContext.Record</c>'s) are attached to their hooks while it
    /// is enabled and detached when it is disabled, as the kernel registers a trace event's probe at enable
    /// (<c>trace_event_reg</c>): a disabled event costs its hook nothing, and a runtime hook's source is not even
    /// subscribed to.
    /// </remarks>
    public bool IsEnabled
    {
        get => _enabled;
        set
        {
            if (_enabled == value)
            {
                return; // enable_event triggers set this on every firing: no lock when nothing changes
            }

            lock (this)
            {
                if (_enabled == value)
                {
                    return;
                }

                if (value)
                {
                    // Recording first, then the probes: the first firing after attach writes a record.
                    _enabled = true;
                    foreach (var binding in _bindings)
                    {
                        binding.Arm();
                    }
                }
                else
                {
                    foreach (var binding in _bindings)
                    {
                        binding.Disarm();
                    }

                    _enabled = false;
                }
            }
        }
    }

    /// <summary>
    /// Binds a probe that writes only this event: <paramref name="attach"/> runs now if the event is enabled and at
    /// each enable, <paramref name="detach"/> at each disable. A probe its hook detached for faulting
    /// (<paramref name="detach"/> returns false) is never attached again; removing the event drops every binding.
    /// </summary>
    /// <exception cref="InvalidOperationException">The event was removed.</exception>
    internal void Bind(Func<bool> attach, Func<bool> detach)
    {
        ArgumentNullException.ThrowIfNull(attach);
        ArgumentNullException.ThrowIfNull(detach);
        lock (this)
        {
            if (IsRemoved)
            {
                throw new InvalidOperationException($"Event '{FullName}' was removed; no probe can be bound to it.");
            }

            var binding = new ProbeBinding(attach, detach);
            _bindings = [.. _bindings, binding];
            if (_enabled)
            {
                binding.Arm();
            }
        }
    }

    /// <summary>How many bound probes are attached now (tests read it).</summary>
    internal int ArmedProbes
    {
        get
        {
            lock (this)
            {
                return _bindings.Count(b => b.IsArmed);
            }
        }
    }

    /// <summary>The filter, or null to record everything (the <c>filter</c> file).</summary>
    public EventFilter? Filter
    {
        get => _filter;
        set => _filter = value;
    }

    /// <summary>Records rejected by the filter.</summary>
    public long FilteredOut => Interlocked.Read(ref _filtered);

    /// <summary>The attached triggers (the <c>trigger</c> file).</summary>
    public IReadOnlyList<EventTrigger> Triggers => Volatile.Read(ref _triggers);

    /// <summary>The triggers as the array Commit walks (no interface calls on the write path).</summary>
    internal EventTrigger[] TriggerArray => Volatile.Read(ref _triggers);

    /// <summary>Whether the event was removed (its module unloaded); records already written stay readable.</summary>
    public bool IsRemoved
    {
        get => _removed;
        internal set
        {
            lock (this)
            {
                _removed = value;
                if (value)
                {
                    // A removed event is kept to decode old records; its module's probes (and so its code) are not.
                    _bindings = [];
                }
            }
        }
    }

    /// <summary>Bytes a string takes in a <c>__data_loc</c> field: its UTF-8 length plus the NUL.</summary>
    public static int SizeOf(string? text) => text is null ? 1 : Math.Min(Encoding.UTF8.GetByteCount(text), 0xfffe) + 1;

    /// <summary>Adds a trigger.</summary>
    public void AddTrigger(EventTrigger trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        lock (this)
        {
            Volatile.Write(ref _triggers, [.. _triggers, trigger]);
        }
    }

    /// <summary>Removes a trigger; false when it was not attached.</summary>
    public bool RemoveTrigger(EventTrigger trigger)
    {
        lock (this)
        {
            var kept = _triggers.Where(t => !ReferenceEquals(t, trigger)).ToArray();
            var removed = kept.Length != _triggers.Length;
            Volatile.Write(ref _triggers, kept);
            return removed;
        }
    }

    /// <summary>Claims a record slot: the fixed part plus <paramref name="dynamicBytes"/> for <c>__data_loc</c> strings.</summary>
    /// <returns>A writer; <see cref="EventWriter.IsReserved"/> is false when the event is off, tracing is off, or the buffer dropped it.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public EventWriter Reserve(int dynamicBytes = 0)
    {
        if (!_enabled || !Session.TracingOn)
        {
            return default;
        }

        return ReserveSlow(dynamicBytes);
    }

    private EventWriter ReserveSlow(int dynamicBytes)
    {
        var session = Session;
        var thread = ThreadTraceState.Current; // one thread-static load for the buffer, pid and cpu
        var buffer = session.BufferOf(thread);
        var fixedSize = _fixedSize;
        var size = fixedSize + Math.Max(0, dynamicBytes);
        var slot = buffer.Reserve(size);
        if (slot.IsEmpty)
        {
            return default;
        }

        var record = slot[..size];
        var timestamp = session.Now();
        record[..fixedSize].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(record, Id);
        BinaryPrimitives.WriteInt32LittleEndian(record[4..], CurrentTask.PidOf(thread));
        BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)CurrentTask.CpuOf(thread));

        // An AsyncLocal read; with no Activity the Clear above already wrote the zero trace id.
        var activity = Activity.Current;
        if (activity is not null)
        {
            WriteTraceId(thread, activity, record.Slice(TraceIdOffset, TraceIdSize));
        }

        return new EventWriter(this, buffer, record, fixedSize, timestamp);
    }

    private const int TraceIdOffset = 12;
    private const int TraceIdSize = 16;

    // Parsing the id's 32 hex digits costs more than the rest of the header; a thread's records under one Activity
    // (the common case: an await continues under the same Activity) copy the bytes kept from the first.
    private static void WriteTraceId(ThreadTraceState thread, Activity activity, Span<byte> slot)
    {
        if (!ReferenceEquals(thread.TraceActivity, activity))
        {
            if (activity.IdFormat != ActivityIdFormat.W3C)
            {
                return; // a hierarchical id has no 16-byte trace id: the slot stays zero
            }

            activity.TraceId.CopyTo(thread.TraceId);
            thread.TraceActivity = activity;
        }

        ((ReadOnlySpan<byte>)thread.TraceId).CopyTo(slot);
    }

    internal void CountFiltered() => Interlocked.Increment(ref _filtered);

    // One bound probe; changed only under the event's lock (the one AddTrigger takes: no lock object per event).
    private sealed class ProbeBinding(Func<bool> attach, Func<bool> detach)
    {
        private bool _faulted;

        public bool IsArmed { get; private set; }

        public void Arm()
        {
            if (!IsArmed && !_faulted)
            {
                IsArmed = attach();
            }
        }

        public void Disarm()
        {
            if (IsArmed)
            {
                IsArmed = false;
                // Not attached any more although armed: its hook detached it for throwing. It stays off, as a
                // faulted probe does everywhere else.
                _faulted = !detach();
            }
        }
    }

    /// <inheritdoc />
    public override string ToString() => FullName;
}

/// <summary>Writes one record straight into its reserved ring-buffer slot. Obtain it from <see cref="TraceEvent.Reserve"/>.</summary>
public ref struct EventWriter
{
    private readonly TraceEvent? _event;
    private readonly RingBuffer? _buffer;
    private readonly Span<byte> _record;
    private readonly long _timestamp;
    private int _end;

    internal EventWriter(TraceEvent ev, RingBuffer buffer, Span<byte> record, int fixedSize, long timestamp)
    {
        _event = ev;
        _buffer = buffer;
        _record = record;
        _end = fixedSize;
        _timestamp = timestamp;
    }

    /// <summary>Whether a slot was reserved; when false, skip the assign step.</summary>
    public readonly bool IsReserved => _event is not null;

    /// <summary>Writes a signed value, converted to the field's width.</summary>
    public readonly void Set(EventField field, long value) => WriteScalar(field, unchecked((ulong)value));

    /// <summary>Writes an unsigned value, converted to the field's width.</summary>
    public readonly void Set(EventField field, ulong value) => WriteScalar(field, value);

    /// <summary>Writes an int.</summary>
    public readonly void Set(EventField field, int value) => WriteScalar(field, unchecked((ulong)(long)value));

    /// <summary>Writes a uint.</summary>
    public readonly void Set(EventField field, uint value) => WriteScalar(field, value);

    /// <summary>Writes a boolean as 0 or 1.</summary>
    public readonly void Set(EventField field, bool value) => WriteScalar(field, value ? 1UL : 0UL);

    /// <summary>Writes one character as text into a <c>char[N]</c> field (UTF-8; N of at least 4 holds any character).</summary>
    public readonly void Set(EventField field, char value)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (_event is null)
        {
            return;
        }

        if (field.Type != FieldType.Chars)
        {
            throw new ArgumentException($"Field '{field.Name}' is {field.Type}, not char[N].", nameof(field));
        }

        var slot = _record.Slice(field.Offset, field.Size - 1);
        Utf8.FromUtf16(new ReadOnlySpan<char>(in value), slot, out _, out var written);
        slot[written..].Clear();
    }

    /// <summary>Writes text into a <c>char[N]</c> (truncated to N-1 bytes) or a <c>__data_loc</c> field (needs reserved room).</summary>
    public void Set(EventField field, string? text)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (_event is null)
        {
            return;
        }

        if (field.Type == FieldType.Chars)
        {
            var slot = _record.Slice(field.Offset, field.Size - 1);
            var written = WriteUtf8(text, slot);
            slot[written..].Clear();
            return;
        }

        if (field.Type != FieldType.DataLoc)
        {
            throw new ArgumentException($"Field '{field.Name}' is {field.Type}, not text.", nameof(field));
        }

        var room = Math.Min(_record.Length - _end, 0xffff);
        var length = 0;
        if (room > 0)
        {
            var written = WriteUtf8(text, _record.Slice(_end, room - 1));
            _record[_end + written] = 0;
            length = written + 1;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(_record[field.Offset..], (uint)_end | ((uint)length << 16));
        _end += length;
    }

    /// <summary>
    /// Gives the reserved slot back without publishing anything (the kernel's <c>ring_buffer_discard_commit</c>), e.g.
    /// when the assign step failed; the writer is then spent, as after <see cref="Commit"/>.
    /// </summary>
    public void Discard()
    {
        if (_event is null)
        {
            return;
        }

        _buffer!.Discard();
        this = default;
    }

    /// <summary>Applies the filter, publishes the record and runs the event's triggers.</summary>
    public void Commit()
    {
        var ev = _event;
        if (ev is null)
        {
            return;
        }

        var record = _record[.._end];
        var filter = ev.Filter;
        if (filter is not null && !filter.Matches(record))
        {
            _buffer!.Discard();
            ev.CountFiltered();
            return;
        }

        _buffer!.Commit(_end, _timestamp);
        var triggers = ev.TriggerArray;
        for (var i = 0; i < triggers.Length; i++)
        {
            triggers[i].Fire(ev, record);
        }
    }

    // Names (comm, paths) are nearly always ASCII: the ASCII narrowing is cheaper than UTF-8 transcoding for short
    // text; from the first other character on, UTF-8 takes over. Same bytes and truncation as Utf8.FromUtf16 alone.
    private static int WriteUtf8(ReadOnlySpan<char> text, Span<byte> slot)
    {
        if (Ascii.FromUtf16(text, slot, out var written) != OperationStatus.InvalidData)
        {
            return written;
        }

        Utf8.FromUtf16(text[written..], slot[written..], out _, out var rest);
        return written + rest;
    }

    private readonly void WriteScalar(EventField field, ulong value)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (_event is null)
        {
            return;
        }

        var at = _record[field.Offset..];
        switch (field.Size)
        {
            case 1: at[0] = (byte)value; break;
            case 2: BinaryPrimitives.WriteUInt16LittleEndian(at, (ushort)value); break;
            case 4: BinaryPrimitives.WriteUInt32LittleEndian(at, (uint)value); break;
            case 8: BinaryPrimitives.WriteUInt64LittleEndian(at, value); break;
            default: throw new ArgumentException($"Field '{field.Name}' is {field.Type}, not a number.", nameof(field));
        }
    }
}

/// <summary>A compiled event filter (the <c>filter</c> file); evaluated on the assembled record before it is published.</summary>
public abstract class EventFilter
{
    /// <summary>The filter expression as given.</summary>
    public abstract string Text { get; }

    /// <summary>Whether the record passes. Must not allocate or throw.</summary>
    public abstract bool Matches(ReadOnlySpan<byte> record);
}

/// <summary>An event trigger (the <c>trigger</c> file): runs after a record of the event is published.</summary>
public abstract class EventTrigger
{
    /// <summary>The trigger as written, e.g. <c>traceoff</c> or <c>hist:keys=pid</c>.</summary>
    public abstract string Text { get; }

    /// <summary>Runs for one published record. Must not throw.</summary>
    public abstract void Fire(TraceEvent ev, ReadOnlySpan<byte> record);
}
