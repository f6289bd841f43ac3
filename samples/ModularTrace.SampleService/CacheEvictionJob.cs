using System.Diagnostics;

namespace ModularTrace.SampleService;

/// <summary>A background job: every <c>SampleService:JobIntervalMs</c> (default 1000) it empties the cache and fires <c>job_run</c>.</summary>
public sealed class CacheEvictionJob(ItemCache cache, ServiceHooks hooks, IConfiguration configuration) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(configuration.GetValue("SampleService:JobIntervalMs", 1000));
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            var started = Stopwatch.GetTimestamp();
            var evicted = cache.Evict();
            hooks.JobRun.Fire("cache_evict", evicted, (long)Stopwatch.GetElapsedTime(started).TotalNanoseconds);
        }
    }
}
