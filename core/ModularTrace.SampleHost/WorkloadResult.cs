using System.Collections.Immutable;

namespace ModularTrace.SampleHost;

/// <summary>What a workload run fired.</summary>
/// <param name="Options">The options it ran with.</param>
/// <param name="Elapsed">Wall-clock time.</param>
/// <param name="FiresByHook">Firings per hook name, whether or not a probe was attached.</param>
/// <param name="FiresByCpu">Firings per simulated CPU.</param>
public sealed record WorkloadResult(
    WorkloadOptions Options,
    TimeSpan Elapsed,
    ImmutableSortedDictionary<string, long> FiresByHook,
    ImmutableArray<long> FiresByCpu)
{
    /// <summary>Total firings.</summary>
    public long TotalFires => FiresByCpu.Sum();
}
