using System.Diagnostics;
using System.Runtime.Versioning;
using BenchmarkDotNet.Attributes;

namespace ModularTrace.Benchmarks;

/// <summary>What each candidate trace clock costs to read on this machine (one thread, uncontended).</summary>
[MemoryDiagnoser]
public class ClockBenchmarks
{
    private static long s_counter;

    [ThreadStatic]
    private static long t_counter;

    [Benchmark(Baseline = true)]
    public long StopwatchTimestamp() => Stopwatch.GetTimestamp();

    [Benchmark]
    [UnsupportedOSPlatform("windows")]
    public long ClockGettimeDirect() => NativeClock.MonotonicNanoseconds();

    /// <summary>The tsc trace clock: rdtsc through the function pointer (throws where unavailable, and says why).</summary>
    [Benchmark]
    public long TscRead() => Events.TscClock.Read();

    [Benchmark]
    public long TickCount64() => Environment.TickCount64;

    [Benchmark]
    public long InterlockedCounter() => Interlocked.Increment(ref s_counter);

    [Benchmark]
    public long ThreadStaticCounter() => ++t_counter;
}
