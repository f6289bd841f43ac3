using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using ModularTrace.Events;
using ModularTrace.Hooks;

namespace ModularTrace.Benchmarks;

/// <summary>
/// One firing, disabled and enabled: ours against EventSource, DiagnosticSource and a hand-written floor.
/// The enabled benchmarks write <see cref="Batch"/> records per invocation (OperationsPerInvoke) and then empty the
/// ring, so every record is really written (never dropped) and the ring stays in cache-sized memory.
/// </summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    /// <summary>Records per invocation of an enabled benchmark; the ring holds them all.</summary>
    public const int Batch = 1000;

    private static readonly Hook<string, int, int> s_disabled = new("bench_disabled", "comm", "pid", "prio");
    private static readonly DiagnosticListener s_idleListener = new("ModularTrace.Bench.Idle");
    private static readonly DiagnosticListener s_listener = new("ModularTrace.Bench");
    private static readonly BenchEventSource s_log = BenchEventSource.Log;

    private readonly string _comm = "kworker/0:1";
    private readonly int _pid = 4242;
    private readonly int _prio = 120;

    private ExitEventHost _mono = null!;
    private ExitEventHost _counter = null!;
    private ExitEventHost _coarse = null!;
    private ExitEventHost _tsc = null!;
    private ExitEventHost _record = null!;
    private ExitEventHost _disabledHandWritten = null!;
    private ExitEventHost _inActivity = null!;
    private Activity? _request;
    private ExitEventHost _disabledRecord = null!;
    private HandWrittenRing _floor = null!;
    private StoringEventListener? _eventListener;
    private IDisposable? _subscription;

    [GlobalSetup]
    public void Setup()
    {
        _mono = new ExitEventHost(TraceClock.Mono, 1 << 20);
        _counter = new ExitEventHost(TraceClock.Counter, 1 << 20);
        _coarse = new ExitEventHost(TraceClock.Coarse, 1 << 20);
        // Where the counter is unavailable the session says so and uses mono: the Tsc rows would then measure mono.
        _tsc = new ExitEventHost(TraceClock.Tsc, 1 << 20);
        if (_tsc.Session.ClockNote is { } note)
        {
            Console.WriteLine($"// {note}");
        }
        _record = new ExitEventHost(TraceClock.Mono, 1 << 20, record: true);
        // A loaded module's event nobody enabled: the hand-written probe stays on its hook and tests the flag per
        // firing; Record's probe is on the hook only while the event is enabled (the kernel's trace_event_reg).
        _disabledHandWritten = new ExitEventHost(TraceClock.Mono, 1 << 16);
        _disabledHandWritten.Event.IsEnabled = false;
        _disabledRecord = new ExitEventHost(TraceClock.Mono, 1 << 16, record: true);
        _disabledRecord.Event.IsEnabled = false;
        // A request's W3C Activity, as ASP.NET Core makes one: records under it carry its trace id (common_trace_id).
        _inActivity = new ExitEventHost(TraceClock.Mono, 1 << 20, record: true);
        _request = new Activity("bench.request").SetIdFormat(ActivityIdFormat.W3C).Start();
        Activity.Current = null;
        _floor = new HandWrittenRing(Batch * 2);
        _subscription = s_listener.Subscribe(new StoringObserver());
    }

    [GlobalSetup(Target = nameof(EventSourceEvent3Fields))]
    public void SetupEventSource()
    {
        Setup();
        _eventListener = new StoringEventListener();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _eventListener?.Dispose();
        _subscription?.Dispose();
        _request?.Stop();
        foreach (var host in new[] { _mono, _counter, _coarse, _tsc, _record, _inActivity })
        {
            if (host.Written > 0)
            {
                // Shown in BenchmarkDotNet's log: the enabled benchmarks must have written every record.
                Console.WriteLine($"// {host.Session.Options.Clock} clock: written {host.Written}, dropped+overrun {host.Dropped}");
            }
        }
    }

    [Benchmark]
    public void DisabledHook() => s_disabled.Fire(_comm, _pid, _prio);

    [Benchmark]
    public void DisabledEventHandWrittenProbe() => _disabledHandWritten.Hook.Fire(_comm, _pid, _prio);

    [Benchmark]
    public void DisabledEventRecord() => _disabledRecord.Hook.Fire(_comm, _pid, _prio);

    [Benchmark]
    public void DisabledEventSource()
    {
        if (s_log.IsEnabled())
        {
            s_log.Ev(_pid, _prio, _comm);
        }
    }

    [Benchmark]
    public void DisabledDiagnosticSource()
    {
        if (s_idleListener.IsEnabled("Ev"))
        {
            s_idleListener.Write("Ev", new ExitPayload(_comm, _pid, _prio));
        }
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public void EnabledEvent3Fields() => FireBatch(_mono);

    /// <summary>The same event attached with ModuleContext.Record, as the sample modules do: one delegate call more.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void EnabledEvent3FieldsRecord() => FireBatch(_record);

    /// <summary><see cref="EnabledEvent3FieldsRecord"/> with a W3C Activity current: the trace id is copied into each record.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void EnabledEvent3FieldsInActivity()
    {
        var previous = Activity.Current;
        Activity.Current = _request;
        FireBatch(_inActivity);
        Activity.Current = previous;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public void EnabledEvent3FieldsCounterClock() => FireBatch(_counter);

    [Benchmark(OperationsPerInvoke = Batch)]
    public void EnabledEvent3FieldsCoarseClock() => FireBatch(_coarse);

    [Benchmark(OperationsPerInvoke = Batch)]
    public void EnabledEvent3FieldsTscClock() => FireBatch(_tsc);

    /// <summary><see cref="HandWrittenRingFloor"/> on the tsc clock: the floor for <see cref="EnabledEvent3FieldsTscClock"/>.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void HandWrittenRingFloorTscClock()
    {
        var ring = _floor;
        for (var i = 0; i < Batch; i++)
        {
            ring.Write(TscClock.Read(), _comm, _pid, _prio);
        }
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public void HandWrittenRingFloor()
    {
        var ring = _floor;
        for (var i = 0; i < Batch; i++)
        {
            ring.Write(Stopwatch.GetTimestamp(), _comm, _pid, _prio);
        }
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public void EventSourceEvent3Fields()
    {
        var log = s_log;
        for (var i = 0; i < Batch; i++)
        {
            if (log.IsEnabled())
            {
                log.Ev(_pid, _prio, _comm);
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public void DiagnosticSourceEvent3Fields()
    {
        var listener = s_listener;
        for (var i = 0; i < Batch; i++)
        {
            if (listener.IsEnabled("Ev"))
            {
                listener.Write("Ev", new ExitPayload(_comm, _pid, _prio));
            }
        }
    }

    private void FireBatch(ExitEventHost host)
    {
        var hook = host.Hook;
        for (var i = 0; i < Batch; i++)
        {
            hook.Fire(_comm, _pid, _prio);
        }

        host.Buffer.Clear();
    }
}
