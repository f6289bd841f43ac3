using ModularTrace.Hooks;
using ModularTrace.SampleHost;

namespace ModularTrace.Core.Tests.SampleHost;

public sealed class WorkloadUntilCancelledTests
{
    [Fact]
    public void Run_UntilCancelled_RunsUntilTheTokenFires()
    {
        var hooks = new KernelHooks(new HookRegistry());
        using var stop = new CancellationTokenSource();
        var switches = 0;
        hooks.SchedSwitch.Attach((_, _, _, _, _, _, _) =>
        {
            if (Interlocked.Increment(ref switches) == 5_000)
            {
                stop.Cancel();
            }
        });
        var result = new SimulatedKernel(hooks).Run(new WorkloadOptions { Cpus = 2, Events = null, UntilCancelled = true }, stop.Token);
        Assert.True(switches >= 5_000, $"{switches} switches");
        Assert.True(result.TotalFires > switches);
    }

    [Fact]
    public void Run_Rate_NeverRunsAheadOfItsSchedule()
    {
        const int Rate = 200;
        var result = new SimulatedKernel(new KernelHooks(new HookRegistry()))
            .Run(new WorkloadOptions { Cpus = 1, Events = null, Duration = TimeSpan.FromMilliseconds(300), Rate = Rate });
        // Pacing looks every 256 steps (a step fires at most a handful of hooks), so the lead is bounded by that.
        Assert.True(result.TotalFires <= (Rate * result.Elapsed.TotalSeconds) + (256 * 8), $"{result.TotalFires} firings in {result.Elapsed}");
    }

    [Theory]
    [InlineData(10L, null, "running until cancelled excludes")]
    [InlineData(null, 1000, "running until cancelled excludes")]
    public void Validate_UntilCancelledWithALimit_IsRefused(long? events, int? durationMs, string reason)
    {
        var options = new WorkloadOptions
        {
            Events = events,
            Duration = durationMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
            UntilCancelled = true,
        };
        Assert.StartsWith(reason, options.Validate(), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UntilCancelledAlone_IsFine()
        => Assert.Null(new WorkloadOptions { Events = null, UntilCancelled = true }.Validate());

    [Fact]
    public void Validate_ZeroRate_IsRefused()
        => Assert.StartsWith("rate must be at least 1", new WorkloadOptions { Rate = 0 }.Validate(), StringComparison.Ordinal);

    [Fact]
    public void Validate_NeitherCountNorDurationNorUntilCancelled_IsStillRefused()
        => Assert.Equal("give either an event count or a duration", new WorkloadOptions { Events = null }.Validate());
}
