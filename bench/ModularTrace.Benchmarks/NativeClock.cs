using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace ModularTrace.Benchmarks;

/// <summary>
/// <c>clock_gettime</c> called straight from libc, without System.Native's <c>SystemNative_GetTimestamp</c> in between:
/// what <c>Stopwatch.GetTimestamp()</c> would cost if the runtime's own layer were free (issue #23's clock question).
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static partial class NativeClock
{
    private const int ClockMonotonic = 1; // CLOCK_MONOTONIC, <linux/time.h>

    /// <summary>CLOCK_MONOTONIC in nanoseconds, as <c>Stopwatch.GetTimestamp()</c> returns it on Linux.</summary>
    public static long MonotonicNanoseconds()
    {
        _ = ClockGettime(ClockMonotonic, out var now);
        return (now.Seconds * 1_000_000_000) + now.Nanoseconds;
    }

    // Same shape as the runtime's own import of SystemNative_GetTimestamp: no GC transition (it never blocks).
    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    [SuppressGCTransition]
    private static partial int ClockGettime(int clock, out Timespec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
