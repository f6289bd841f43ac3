using ModularTrace.Hooks;
using ModularTrace.SampleHost;
using ModularTrace.Tasks;

namespace ModularTrace.Core.Tests.SampleHost;

public sealed class SimulatedKernelTests
{
    // Records every sched_switch per CPU as text, so two runs can be compared value by value.
    private static (WorkloadResult Result, string[] PerCpu) Record(int seed, int cpus, long events)
    {
        var registry = new HookRegistry();
        var hooks = new KernelHooks(registry);
        var logs = Enumerable.Range(0, cpus).Select(_ => new List<string>()).ToArray();
        hooks.SchedSwitch.Attach((pc, pp, _, ps, nc, np, _) => logs[CurrentTask.Cpu].Add($"{pc}:{pp}:{ps}>{nc}:{np}"));
        hooks.SysOpenat.Attach((_, path, _, _, ret) => logs[CurrentTask.Cpu].Add($"open {path}={ret}"));
        var result = new SimulatedKernel(hooks).Run(new WorkloadOptions { Seed = seed, Cpus = cpus, Events = events });
        return (result, logs.Select(log => string.Join('\n', log)).ToArray());
    }

    [Fact]
    public void Run_SameSeed_FiresTheSameValuesOnEveryCpu()
    {
        var first = Record(seed: 7, cpus: 3, events: 30_000);
        var second = Record(seed: 7, cpus: 3, events: 30_000);
        Assert.Equal(first.PerCpu, second.PerCpu);
        Assert.Equal(first.Result.FiresByHook, second.Result.FiresByHook);
    }

    [Fact]
    public void Run_OtherSeed_FiresOtherValues()
        => Assert.NotEqual(Record(seed: 1, cpus: 2, events: 5_000).PerCpu, Record(seed: 2, cpus: 2, events: 5_000).PerCpu);

    [Fact]
    public void Run_EventCount_IsExactAndSplitAcrossCpus()
    {
        var (result, _) = Record(seed: 3, cpus: 3, events: 10_001);
        Assert.Equal(10_001, result.TotalFires);
        Assert.Equal([3_334L, 3_334L, 3_333L], result.FiresByCpu.ToArray());
        Assert.Equal(10_001, result.FiresByHook.Values.Sum());
    }

    [Fact]
    public void Run_DefaultWorkload_FiresEveryHookWithRealisticValues()
    {
        var registry = new HookRegistry();
        var hooks = new KernelHooks(registry);
        var kernelThreads = new HashSet<(int, string)>();
        hooks.SchedSwitch.Attach((pc, pp, _, _, _, _, _) =>
        {
            if (pp is > 0 and < 100)
            {
                lock (kernelThreads)
                {
                    kernelThreads.Add((pp, pc));
                }
            }
        });
        var result = new SimulatedKernel(hooks).Run(new WorkloadOptions { Events = 40_000 });

        Assert.True(registry.Count >= 12);
        Assert.All(result.FiresByHook, pair => Assert.True(pair.Value > 0, $"{pair.Key} never fired"));
        Assert.Contains(kernelThreads, t => t.Item2.StartsWith("ksoftirqd/", StringComparison.Ordinal));
        Assert.Contains(kernelThreads, t => t.Item2.StartsWith("kworker/", StringComparison.Ordinal));
        Assert.All(kernelThreads, t => Assert.True(t.Item2.Length <= 16));
    }

    [Fact]
    public void Run_Duration_StopsOnTime()
    {
        var result = new SimulatedKernel(new KernelHooks(new HookRegistry()))
            .Run(new WorkloadOptions { Events = null, Duration = TimeSpan.FromMilliseconds(100) });
        Assert.True(result.TotalFires > 0);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData(0, 10L, "cpus must be between 1 and 64")]
    [InlineData(2, -1L, "events must not be negative")]
    public void Validate_BadOptions_SayWhy(int cpus, long events, string reason)
        => Assert.StartsWith(reason, new WorkloadOptions { Cpus = cpus, Events = events }.Validate(), StringComparison.Ordinal);
}
