namespace ModularTrace.Core.Tests;

/// <summary>Counts what a hot path allocates on the calling thread.</summary>
internal static class Allocations
{
    /// <summary>How many times <see cref="Least"/> runs the body.</summary>
    public const int Runs = 3;

    /// <summary>
    /// The bytes the calling thread allocated in the cheapest of <see cref="Runs"/> runs of <paramref name="body"/>.
    /// The runtime sometimes allocates on the calling thread once (a tiering stub, a cache it fills lazily), which
    /// made single-run checks flaky on a loaded machine; an allocation per call shows in every run and so in the least.
    /// </summary>
    public static long Least(Action body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var least = long.MaxValue;
        for (var run = 0; run < Runs; run++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            body();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
