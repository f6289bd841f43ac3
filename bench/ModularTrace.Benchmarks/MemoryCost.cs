using System.Globalization;
using ModularTrace.Events;
using ModularTrace.Hooks;

namespace ModularTrace.Benchmarks;

/// <summary><c>--memory</c>: bytes per declared hook and per defined event, allocated and retained, over 1000 of each.</summary>
internal static class MemoryCost
{
    private const int Count = 1000;

    public static int Run()
    {
        var names = Enumerable.Range(0, Count).Select(i => "hook_" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var eventNames = Enumerable.Range(0, Count).Select(i => "ev_" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        // Warm: JIT and type loading are not per-hook costs.
        Declare(["warm_a", "warm_b"], new HookRegistry());
        Define(["warm_a", "warm_b"], new TraceSession());

        var hooks = new Hook<string, int, int>[Count];
        var (allocated, retained) = Measure(() =>
        {
            for (var i = 0; i < Count; i++)
            {
                hooks[i] = new Hook<string, int, int>(names[i], "comm", "pid", "prio");
            }
        });
        Print("hook declared (new Hook<string,int,int>)", allocated, retained);

        var registry = new HookRegistry();
        (allocated, retained) = Measure(() => Declare(names, registry));
        Print("hook declared and registered", allocated, retained);

        var session = new TraceSession();
        (allocated, retained) = Measure(() => Define(eventNames, session));
        Print("event defined (layout + class + Define)", allocated, retained);

        var shared = Layout();
        var session2 = new TraceSession();
        (allocated, retained) = Measure(() =>
        {
            for (var i = 0; i < Count; i++)
            {
                session2.Define("bench", eventNames[i], shared);
            }
        });
        Print("event defined (Define, class shared)", allocated, retained);
        GC.KeepAlive(hooks);
        GC.KeepAlive(registry);
        GC.KeepAlive(session);
        GC.KeepAlive(session2);
        return 0;
    }

    private static void Declare(string[] names, HookRegistry registry)
    {
        foreach (var name in names)
        {
            registry.Register(new Hook<string, int, int>(name, "comm", "pid", "prio"));
        }
    }

    private static void Define(string[] names, TraceSession session)
    {
        foreach (var name in names)
        {
            session.Define("bench", name, Layout());
        }
    }

    private static EventClass Layout()
    {
        var b = new EventLayoutBuilder();
        b.Chars("comm", 16);
        b.S32("pid");
        b.S32("prio");
        return new EventClass("bench_template", b.Build(), "comm={comm} pid={pid} prio={prio}");
    }

    private static (long Allocated, long Retained) Measure(Action action)
    {
        var retainedBefore = GC.GetTotalMemory(forceFullCollection: true);
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var retained = GC.GetTotalMemory(forceFullCollection: true) - retainedBefore;
        return (allocated, retained);
    }

    private static void Print(string what, long allocated, long retained) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what,-44} allocated {allocated / (double)Count,8:F0} B each, retained {retained / (double)Count,8:F0} B each (x{Count})"));
}
