using System.Globalization;
using System.Runtime.Loader;

namespace ModularTrace.Benchmarks;

/// <summary><c>--check-cycles N</c>: N load/unload cycles of the signed sched module leave managed memory and live load contexts flat.</summary>
internal static class CycleCheck
{
    private const double Tolerance = 0.05;
    private const int Warmup = 520;

    public static int Run(int cycles)
    {
        var path = BenchHost.SampleModule("Sched");
        var (_, _, loader) = BenchHost.NewLoader();
        // Warm up until every bounded structure is full, then measure from a settled baseline: JIT and caches, the
        // loader's log (1000 lines, two per cycle) and the session's removed events kept decodable (256, four per cycle).
        for (var i = 0; i < Warmup; i++)
        {
            ModuleLoadBenchmarks.LoadAndUnload(loader, path);
        }

        var (memoryBefore, contextsBefore) = Settle();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var i = 0; i < cycles; i++)
        {
            ModuleLoadBenchmarks.LoadAndUnload(loader, path);
        }

        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var (memoryAfter, contextsAfter) = Settle();
        var memoryChange = (double)(memoryAfter - memoryBefore) / memoryBefore;
        var flat = Math.Abs(memoryChange) <= Tolerance && contextsAfter <= contextsBefore;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cycles: {cycles} load+unload of {Path.GetFileName(path)} in {elapsed.TotalSeconds:F1} s ({elapsed.TotalMilliseconds / cycles:F2} ms/cycle)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"managed memory: {memoryBefore:N0} B before, {memoryAfter:N0} B after ({memoryChange:+0.0%;-0.0%;0.0%}, tolerance ±{Tolerance:0%})"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"live AssemblyLoadContexts: {contextsBefore} before, {contextsAfter} after (module contexts alive: {ModuleContexts()})"));
        Console.WriteLine(flat ? "flat: yes" : "flat: NO");
        return flat ? 0 : 1;
    }

    private static (long Memory, int Contexts) Settle()
    {
        for (var i = 0; i < 10; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        return (GC.GetTotalMemory(forceFullCollection: true), AssemblyLoadContext.All.Count());
    }

    private static int ModuleContexts() => AssemblyLoadContext.All.Count(c => c.Name?.StartsWith("mtrace-module:", StringComparison.Ordinal) == true);
}
