using System.Diagnostics;
using System.Globalization;
using ModularTrace.Events;

namespace ModularTrace.Benchmarks;

/// <summary>
/// <c>--throughput [N]</c>: two writer threads fire N events each; events/s for ours (mono and counter clocks, a buffer
/// large enough that nothing is lost) and for EventSource with an in-process listener, on the same two threads.
/// </summary>
internal static class ThroughputCheck
{
    private const string Comm = "kworker/0:1";

    public static int Run(int perThread)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} cores, 2 writer threads, {perThread:N0} events each"));
        var ok = true;
        foreach (var clock in new[] { TraceClock.Mono, TraceClock.Tsc, TraceClock.Counter })
        {
            // Record: the ring's 16-byte header + the 28-byte common part + comm[16], pid, prio: 68 bytes, padded to 72.
            const long RecordSize = (Buffers.RingBuffer.HeaderSize + Events.EventLayout.CommonSize + 24 + 7) & ~7;
            var host = new ExitEventHost(clock, (int)Math.Min(1 << 30, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(perThread * RecordSize + 4096))));
            var hook = host.Hook;
            Warm(() => hook.Fire(Comm, 1, 120));
            foreach (var buffer in host.Session.Buffers)
            {
                buffer.Clear();
            }

            var before = host.Written;
            var elapsed = TwoThreads(perThread, () => hook.Fire(Comm, 1, 120));
            var written = host.Written - before;
            var lost = host.Dropped;
            ok &= lost == 0 && written == 2L * perThread;
            Report($"ModularTrace ({clock.ToString().ToLowerInvariant()} clock)", written, elapsed, $"lost {lost}");
        }

        using (var listener = new StoringEventListener())
        {
            var log = BenchEventSource.Log;
            Warm(() => log.Ev(1, 120, Comm));
            var elapsed = TwoThreads(perThread, () =>
            {
                if (log.IsEnabled())
                {
                    log.Ev(1, 120, Comm);
                }
            });
            // The listener runs synchronously on the writing thread: every event issued is dispatched and stored.
            Report("EventSource + EventListener", 2L * perThread, elapsed, "synchronous listener, stores each record");
        }

        return ok ? 0 : 1;
    }

    private static void Warm(Action fire)
    {
        for (var i = 0; i < 10_000; i++)
        {
            fire();
        }
    }

    private static TimeSpan TwoThreads(int perThread, Action fire)
    {
        using var start = new Barrier(3);
        var threads = new Thread[2];
        for (var t = 0; t < threads.Length; t++)
        {
            threads[t] = new Thread(() =>
            {
                start.SignalAndWait();
                for (var i = 0; i < perThread; i++)
                {
                    fire();
                }
            });
            threads[t].Start();
        }

        start.SignalAndWait();
        var started = Stopwatch.GetTimestamp();
        foreach (var thread in threads)
        {
            thread.Join();
        }

        return Stopwatch.GetElapsedTime(started);
    }

    private static void Report(string what, long events, TimeSpan elapsed, string note) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what,-34} {events,12:N0} events in {elapsed.TotalMilliseconds,8:F1} ms = {events / elapsed.TotalSeconds / 1e6,6:F2} M events/s ({note})"));
}
