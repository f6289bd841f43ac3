using BenchmarkDotNet.Attributes;
using ModularTrace.Events;
using ModularTrace.Hooks;

namespace ModularTrace.Benchmarks;

/// <summary>
/// The enabled path taken apart, to see where <see cref="HotPathBenchmarks.EnabledEvent3Fields"/> spends its time:
/// a hook firing an empty probe, then reserve + commit with no field written, then the three fields, each on the
/// counter clock so no time source is in the figures. 1000 operations per invocation, as the hot-path suite.
/// </summary>
[MemoryDiagnoser]
public class HotPathPartsBenchmarks
{
    private readonly Hook<string, int, int> _emptyProbe = new("bench_empty", "comm", "pid", "prio");
    private ExitEventHost _host = null!;
    private EventField _comm = null!;
    private EventField _pid = null!;
    private EventField _prio = null!;
    private readonly string _text = "kworker/0:1";

    [GlobalSetup]
    public void Setup()
    {
        _emptyProbe.Attach(static (_, _, _) => { });
        _host = new ExitEventHost(TraceClock.Counter, 1 << 20);
        var layout = _host.Event.Class.Layout;
        (_comm, _pid, _prio) = (layout["comm"], layout["pid"], layout["prio"]);
    }

    [Benchmark(OperationsPerInvoke = HotPathBenchmarks.Batch)]
    public void FireEmptyProbe()
    {
        for (var i = 0; i < HotPathBenchmarks.Batch; i++)
        {
            _emptyProbe.Fire(_text, i, 120);
        }
    }

    [Benchmark(OperationsPerInvoke = HotPathBenchmarks.Batch)]
    public void ReserveCommit()
    {
        var ev = _host.Event;
        for (var i = 0; i < HotPathBenchmarks.Batch; i++)
        {
            var w = ev.Reserve();
            w.Commit();
        }

        _host.Buffer.Clear();
    }

    [Benchmark(OperationsPerInvoke = HotPathBenchmarks.Batch)]
    public void ReserveSet3Commit()
    {
        var ev = _host.Event;
        for (var i = 0; i < HotPathBenchmarks.Batch; i++)
        {
            var w = ev.Reserve();
            w.Set(_comm, _text);
            w.Set(_pid, i);
            w.Set(_prio, 120);
            w.Commit();
        }

        _host.Buffer.Clear();
    }
}
