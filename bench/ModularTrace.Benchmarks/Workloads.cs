using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;
using ModularTrace.Buffers;
using ModularTrace.Events;
using ModularTrace.Hooks;

namespace ModularTrace.Benchmarks;

/// <summary>
/// The module-style event every "enabled" benchmark writes: sched_process_exit as the sched module defines it
/// (comm char[16], pid s32, prio s32) on a <c>Hook&lt;string, int, int&gt;</c>, with the module's probe body.
/// </summary>
internal sealed class ExitEventHost
{
    /// <param name="clock">The session's clock.</param>
    /// <param name="bufferSize">Bytes per ring.</param>
    /// <param name="record">
    /// Attach the way the sample modules do since issue #19 (<see cref="Modules.ModuleContext"/>'s Record: the reserve /
    /// commit around an assign delegate) instead of the hand-written probe body they had before.
    /// </param>
    public ExitEventHost(TraceClock clock, int bufferSize, bool record = false)
    {
        Session = new TraceSession(new Events.TraceOptions { BufferSize = bufferSize, Overwrite = false, Clock = clock });
        Hook = new Hook<string, int, int>("sched_process_exit", "comm", "pid", "prio");
        var b = new EventLayoutBuilder();
        var comm = b.Chars("comm", 16);
        var pid = b.S32("pid");
        var prio = b.S32("prio");
        var eventClass = new EventClass("sched_process_template", b.Build(), "comm={comm} pid={pid} prio={prio}");
        if (record)
        {
            // modules/ModularTrace.Module.Sched (DefineExit), verbatim.
            var registry = new HookRegistry();
            registry.Register(Hook);
            var owner = new object();
            var context = new Modules.ModuleContext("sched", registry, Session, ["sched_process_exit"], owner);
            Event = context.DefineEvent("sched", "sched_process_exit", eventClass);
            context.Record(context.Hook<Hook<string, int, int>>("sched_process_exit"), Event, (ref w, c, p, pr) =>
            {
                w.Set(comm, c);
                w.Set(pid, p);
                w.Set(prio, pr);
            });
        }
        else
        {
            Event = Session.Define("sched", "sched_process_exit", eventClass);
            // The sched module's probe body before Record (issue #19), as a module may still write it.
            Hook.Attach((c, p, pr) =>
            {
                var w = Event.Reserve();
                if (!w.IsReserved)
                {
                    return;
                }

                w.Set(comm, c);
                w.Set(pid, p);
                w.Set(prio, pr);
                w.Commit();
            });
        }

        Event.IsEnabled = true;
    }

    public TraceSession Session { get; }

    public Hook<string, int, int> Hook { get; }

    public TraceEvent Event { get; }

    public long Dropped => Session.Buffers.Sum(b => b.Stats.Dropped + b.Stats.Overrun);

    public long Written => Session.Buffers.Sum(b => b.Stats.Written);

    /// <summary>The calling thread's buffer, made on first use.</summary>
    public RingBuffer Buffer => Session.CurrentBuffer();
}

/// <summary>The floor: a timestamp and the same three fields (comm as UTF-8 char[16]) copied into a preallocated slot.</summary>
internal sealed class HandWrittenRing(int slots)
{
    public const int SlotSize = 32; // u64 timestamp, s32 pid, s32 prio, char[16] comm
    private readonly byte[] _data = new byte[slots * SlotSize];
    private readonly int _mask = slots - 1;
    private int _next;

    [MethodImpl(MethodImplOptions.NoInlining)] // a call, as a probe is
    public void Write(long timestamp, string comm, int pid, int prio)
    {
        var slot = _data.AsSpan((_next++ & _mask) * SlotSize, SlotSize);
        BinaryPrimitives.WriteInt64LittleEndian(slot, timestamp);
        BinaryPrimitives.WriteInt32LittleEndian(slot[8..], pid);
        BinaryPrimitives.WriteInt32LittleEndian(slot[12..], prio);
        var text = slot.Slice(16, 15);
        // ASCII first, UTF-8 from the first other character: the technique the event writer uses, so the floor stays a floor.
        if (Ascii.FromUtf16(comm, text, out var written) == OperationStatus.InvalidData)
        {
            Utf8.FromUtf16(comm.AsSpan(written), text[written..], out _, out var rest);
            written += rest;
        }

        slot[(16 + written)..].Clear();
    }
}

/// <summary>The EventSource side, on its zero-allocation path (WriteEventCore with EventData).</summary>
[EventSource(Name = "ModularTrace-Bench")]
internal sealed class BenchEventSource : EventSource
{
    public static readonly BenchEventSource Log = new();

    private BenchEventSource()
    {
    }

    [Event(1, Level = EventLevel.Informational)]
    public unsafe void Ev(int pid, int prio, string comm)
    {
        fixed (char* text = comm)
        {
            var data = stackalloc EventData[3];
            data[0] = new EventData { DataPointer = (nint)(&pid), Size = sizeof(int) };
            data[1] = new EventData { DataPointer = (nint)(&prio), Size = sizeof(int) };
            data[2] = new EventData { DataPointer = (nint)text, Size = (comm.Length + 1) * sizeof(char) };
            WriteEventCore(1, 3, data);
        }
    }
}

/// <summary>An in-process listener storing each event's clock and fields into a ring like ours (per thread).</summary>
internal sealed class StoringEventListener : EventListener
{
    [ThreadStatic]
    private static HandWrittenRing? t_ring;

    private volatile bool _ready;

    public StoringEventListener()
    {
        _ready = true;
        EnableEvents(BenchEventSource.Log, EventLevel.Verbose);
    }

    public long Received;

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        // Called from the base constructor too, before our fields are set: enable in the constructor instead.
        if (_ready && eventSource == BenchEventSource.Log)
        {
            EnableEvents(eventSource, EventLevel.Verbose);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        var payload = eventData.Payload!;
        (t_ring ??= new HandWrittenRing(1 << 16)).Write(eventData.TimeStamp.Ticks, (string)payload[2]!, (int)payload[0]!, (int)payload[1]!);
        Received++;
    }
}

/// <summary>The DiagnosticSource payload (an object: Write takes one).</summary>
internal sealed record ExitPayload(string Comm, int Pid, int Prio);

/// <summary>A DiagnosticListener subscriber storing the record with Stopwatch time into a ring like ours.</summary>
internal sealed class StoringObserver : IObserver<KeyValuePair<string, object?>>
{
    private readonly HandWrittenRing _ring = new(1 << 16);

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Value is ExitPayload p)
        {
            _ring.Write(Stopwatch.GetTimestamp(), p.Comm, p.Pid, p.Prio);
        }
    }
}
