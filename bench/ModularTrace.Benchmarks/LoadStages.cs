using System.Diagnostics;
using System.Globalization;
using System.Runtime.Loader;
using ModularTrace.Modules;
using ModularTrace.Signing;

namespace ModularTrace.Benchmarks;

/// <summary>
/// <c>--load-stages N</c>: where one module load spends its time. Each of N rounds takes a fresh host, then times the
/// loader's steps one by one on the signed sched module (read, verify, manifest, a collectible context and
/// <c>LoadFromStream</c>, the entry type and instance, <c>Init</c>), then a whole <see cref="ModuleLoader.Load(string, LoadOptions)"/>
/// into another fresh host. Everything is unloaded between rounds, outside the timings. Prints medians.
/// </summary>
internal static class LoadStages
{
    public static int Run(int rounds)
    {
        var path = BenchHost.SampleModule("Sched");
        var keyrings = BenchHost.DevKeyrings();
        var stages = new[] { "read file", "verify signature", "read manifest", "context + LoadFromStream", "entry type + instance", "Init (events, probes)", "whole ModuleLoader.Load" };
        var times = stages.Select(_ => new List<double>()).ToArray();
        var jit = new List<double>();
        var jitted = new List<long>();
        for (var round = 0; round < rounds; round++)
        {
            var t = Stopwatch.GetTimestamp();
            var bytes = ModuleFile.TryRead(path, out _)!;
            t = Lap(times[0], t);
            var verification = SignatureVerifier.Verify(bytes, keyrings);
            t = Lap(times[1], t);
            var manifest = ModuleManifestReader.TryRead(verification.Payload, out _)!;
            t = Lap(times[2], t);
            var context = new AssemblyLoadContext("stages", isCollectible: true);
            using (var image = new MemoryStream(verification.Payload.ToArray(), writable: false))
            {
                var assembly = context.LoadFromStream(image);
                t = Lap(times[3], t);
                var entry = (ITraceModule)Activator.CreateInstance(assembly.GetType(manifest.EntryType!, throwOnError: true)!)!;
                t = Lap(times[4], t);
                var (hooks, session, _) = BenchHost.NewLoader();
                var owner = new object();
                var jitBefore = System.Runtime.JitInfo.GetCompilationTime(currentThread: true);
                var methodsBefore = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true);
                t = Stopwatch.GetTimestamp();
                entry.Init(new ModuleContext(manifest.Name, hooks.Registry, session, manifest.Hooks.Keys, owner));
                Lap(times[5], t);
                jit.Add((System.Runtime.JitInfo.GetCompilationTime(currentThread: true) - jitBefore).TotalMilliseconds);
                jitted.Add(System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true) - methodsBefore);
                hooks.Registry.DetachOwnedBy(owner);
                hooks.Registry.Synchronize();
            }

            context.Unload();
            var (_, _, loader) = BenchHost.NewLoader();
            t = Stopwatch.GetTimestamp();
            var result = loader.Load(path);
            Lap(times[6], t);
            if (!result.Loaded)
            {
                Console.Error.WriteLine($"load refused: {result.Error}");
                return 1;
            }

            loader.Unload(result.Module!.Name, out _);
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rounds} rounds, each into a fresh host and a fresh collectible context; medians (first round in brackets):"));
        for (var i = 0; i < stages.Length; i++)
        {
            var sorted = times[i].Order().ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {stages[i],-26} {sorted[sorted.Length / 2],9:F3} ms   [{times[i][0]:F3} ms]"));
        }

        var jitSorted = jit.Order().ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  of Init: JIT {jitSorted[jitSorted.Length / 2]:F3} ms for {jitted.Order().ElementAt(jitted.Count / 2)} methods (median)"));
        return 0;
    }

    private static long Lap(List<double> into, long started)
    {
        var now = Stopwatch.GetTimestamp();
        into.Add(Stopwatch.GetElapsedTime(started, now).TotalMilliseconds);
        return now;
    }
}
