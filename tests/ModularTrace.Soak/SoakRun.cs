using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using ModularTrace.Buffers;
using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;
using ModularTrace.Output;
using ModularTrace.SampleHost;
using ModularTrace.Signing;

namespace ModularTrace.Soak;

/// <summary>
/// One soak: the sample kernel fires hooks on every simulated CPU for the whole duration; meanwhile the six sample
/// modules load and unload in a loop and a reader consumes the ring buffers. At the end it checks: nothing faulted,
/// a probe that stayed attached saw every firing of its hook, every buffer's written = read + lost exactly, no module
/// context outlived its unload, and managed memory after the warm-up stayed flat.
/// </summary>
internal sealed class SoakRun(TimeSpan duration, int cpus, bool overwrite)
{
    private static readonly string[] s_modules = ["Sched", "Vfs", "Block", "Irq", "Mm", "Net"];

    // Past TraceSession.RemovedEventsKept removed events, the session's memory stops growing by design.
    private const int WarmUpCycles = 2 * TraceSession.RemovedEventsKept;

    // 65,536 entries of ConcurrentDictionary<int, string> with short strings, measured at about 3 MiB.
    private const long TaskNamesAllowance = 4L << 20;

    public bool Run(TextWriter log)
    {
        var root = RepoRoot();
        var files = s_modules.Select(name => ModuleFile(root, name)).ToArray();
        var hooks = new KernelHooks(new HookRegistry());
        var session = new TraceSession(new ModularTrace.Events.TraceOptions { BufferSize = 256 << 10, Overwrite = overwrite });
        var keyrings = new Keyrings([CertificateFile.Load(Path.Combine(root, "keys", "signing_key.x509"))]);
        var loader = new ModuleLoader(hooks.Registry, session, keyrings, Policy.Enforce);
        long staying = 0;
        hooks.SchedSwitch.Attach((_, _, _, _, _, _, _) => Interlocked.Increment(ref staying), owner: "soak");

        log.WriteLine(FormattableString.Invariant($"soak: {duration} on {cpus} simulated CPUs ({Environment.ProcessorCount} real), {(overwrite ? "overwrite" : "discard")} mode, modules {string.Join(' ', s_modules)}"));
        using var stop = new CancellationTokenSource();
        WorkloadResult? workload = null;
        var kernel = new Thread(() => workload = new SimulatedKernel(hooks).Run(new WorkloadOptions { Cpus = cpus, Events = null, Duration = duration }, stop.Token));
        long consumed = 0;
        var firing = 1;
        var reader = new Thread(() =>
        {
            var traceReader = new TraceReader(session);
            while (Volatile.Read(ref firing) == 1)
            {
                consumed += traceReader.Read(consume: true).Count;
                Thread.Sleep(1);
            }

            consumed += traceReader.Read(consume: true).Count;
        });
        var clock = Stopwatch.StartNew();
        kernel.Start();
        reader.Start();

        long cycles = 0, refused = 0, baseline = -1, peak = 0, lastThird = -1;
        // The last unloaded contexts: AssemblyLoadContext.All forgets a context once its unload starts, a weak reference does not.
        var recent = new WeakReference?[64];
        var failures = new List<string>();
        while (kernel.IsAlive)
        {
            var file = files[cycles % files.Length];
            if (!LoadUnload(loader, session, file, out var error, out recent[cycles % recent.Length]))
            {
                refused++;
                failures.Add($"cycle {cycles}: {error}");
                break;
            }

            cycles++;
            if (cycles == WarmUpCycles)
            {
                baseline = Memory();
            }
            else if (cycles > WarmUpCycles && cycles % 500 == 0)
            {
                if (lastThird < 0 && duration >= TimeSpan.FromMinutes(5) && clock.Elapsed >= duration * 2 / 3)
                {
                    lastThird = Memory();
                }

                peak = Math.Max(peak, Memory());
                if (cycles % 5_000 == 0)
                {
                    log.WriteLine(FormattableString.Invariant($"soak: {clock.Elapsed:hh\\:mm\\:ss} {cycles:N0} load/unload cycles, {Interlocked.Read(ref staying):N0} sched_switch probe calls, managed {peak / 1024:N0} KiB (baseline {baseline / 1024:N0} KiB)"));
                }
            }
        }

        kernel.Join();
        Volatile.Write(ref firing, 0);
        reader.Join();
        var contexts = LiveContexts(recent);
        var end = Memory();

        var stats = session.Buffers.Select(b => b.Stats).ToArray();
        long written = stats.Sum(s => s.Written), read = stats.Sum(s => s.Read), overrun = stats.Sum(s => s.Overrun), dropped = stats.Sum(s => s.Dropped), entries = stats.Sum(s => s.Entries);
        var fires = workload!.FiresByHook.GetValueOrDefault(hooks.SchedSwitch.Name);
        var faults = hooks.Registry.Hooks.Sum(h => h.FaultCount);

        Check(failures, faults == 0, $"{faults} probe faults");
        Check(failures, Interlocked.Read(ref staying) == fires, $"the staying probe saw {staying:N0} of {fires:N0} sched_switch firings");
        Check(failures, written == read + overrun + entries && entries == 0, $"ring accounting: written {written} != read {read} + overrun {overrun} + entries {entries}");
        Check(failures, consumed == read, $"the reader consumed {consumed} records, the buffers counted {read}");
        Check(failures, contexts == 0, $"{contexts} of the last {recent.Length} unloaded module contexts still alive");
        Check(failures, cycles > WarmUpCycles, $"only {cycles} load/unload cycles: too short to measure memory (warm-up {WarmUpCycles})");
        if (baseline > 0)
        {
            // TaskNames (the kernel's saved_cmdlines) keeps up to 65,536 pid → comm entries for the whole process: the
            // sample kernel's forks fill it over the first minutes (about 3 MiB here), then it stops growing.
            Check(failures, end < (baseline * 1.10) + (2 << 20) + TaskNamesAllowance, $"managed memory grew from {baseline:N0} to {end:N0} bytes after the warm-up");
        }

        if (lastThird > 0)
        {
            // Long runs: by the last third every bounded cache is full, so memory must be flat from there on.
            Check(failures, end < (lastThird * 1.05) + (512 << 10), $"managed memory grew from {lastThird:N0} to {end:N0} bytes over the last third of the run");
        }

        var twoThirds = lastThird > 0
            ? string.Create(CultureInfo.InvariantCulture, $"at two thirds {lastThird / 1024:N0} KiB")
            : "at two thirds not taken (runs under 5 min)";
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soak: {clock.Elapsed.TotalSeconds:F0}s, {workload.TotalFires:N0} hook firings ({workload.TotalFires / Math.Max(1, workload.Elapsed.TotalSeconds):N0}/s), {cycles:N0} load/unload cycles, {faults} faults"));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soak: staying probe {staying:N0} calls = {fires:N0} sched_switch firings; ring written {written:N0} = read {read:N0} + overrun {overrun:N0} + entries {entries:N0}; dropped {dropped:N0}"));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soak: managed memory baseline {baseline / 1024:N0} KiB (after {WarmUpCycles} cycles), peak {peak / 1024:N0} KiB, {twoThirds}, end {end / 1024:N0} KiB; unloaded contexts still alive {contexts} of the last {recent.Length}"));
        foreach (var failure in failures)
        {
            log.WriteLine($"soak: FAILED: {failure}");
        }

        log.WriteLine(failures.Count == 0 ? "soak: passed" : $"soak: {failures.Count} failure(s)");
        return failures.Count == 0;
    }

    // In a frame of its own, so nothing on this stack keeps the module's context alive.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool LoadUnload(ModuleLoader loader, TraceSession session, string file, out string? error, out WeakReference? context)
    {
        context = null;
        var result = loader.Load(file);
        if (!result.Loaded)
        {
            error = result.Error;
            return false;
        }

        session.SetEnabled("all", true);
        error = loader.Unload(result.Module!.Name, out context);
        return error is null;
    }

    private static void Check(List<string> failures, bool condition, string message)
    {
        if (!condition)
        {
            failures.Add(message);
        }
    }

    private static long Memory() => GC.GetTotalMemory(forceFullCollection: true);

    private static int LiveContexts(WeakReference?[] contexts)
    {
        for (var i = 0; i < ModuleLoader.MinimumCollections; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        return contexts.Count(c => c is { IsAlive: true });
    }

    private static string ModuleFile(string root, string name)
    {
        var project = "ModularTrace.Module." + name;
        foreach (var configuration in new[] { "Release", "Debug" })
        {
            var path = Path.Combine(root, "modules", project, "bin", configuration, "net10.0", project + ".dll");
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException($"{project}.dll is not built; run 'dotnet build ModularTrace.sln' first");
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModularTrace.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("run from inside the ModularTrace checkout");
    }
}
