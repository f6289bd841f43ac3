using ModularTrace.Hooks;

namespace ModularTrace.Core.Tests.Hooks;

/// <summary>
/// Probes that misbehave without throwing an ordinary exception: one that runs for a long time, one that asks for
/// more memory than exists. <see cref="HookProbeTests"/> covers the probe that throws.
/// </summary>
public sealed class ProbeFaultTests
{
    [Fact]
    public void Fire_ProbeRunningForALongTime_OtherHooksKeepFiringAndSynchronizeWaitsForIt()
    {
        var registry = new HookRegistry();
        var slow = registry.Register(new Hook<int>("slow", "x"));
        var busy = registry.Register(new Hook<int>("busy", "x"));
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        Action<int> looping = _ =>
        {
            entered.Set();
            release.Wait(); // stands for a probe stuck in a long loop: nothing preempts it
        };
        slow.Attach(looping, owner: "looping-module");
        var busyCalls = 0;
        busy.Attach(_ => busyCalls++);
        var stuck = new Thread(() => slow.Fire(1)) { IsBackground = true };
        stuck.Start();
        entered.Wait();

        // The host keeps running: the same and other hooks fire on other threads while the probe loops.
        var others = new Thread(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                busy.Fire(i);
            }
        });
        others.Start();
        Assert.True(others.Join(TimeSpan.FromMinutes(1)), "another hook stalled behind the looping probe");
        Assert.Equal(10_000, busyCalls);

        // Unload's order: detach, then Synchronize, which must not return while the detached probe still runs.
        Assert.Equal(1, registry.DetachOwnedBy("looping-module"));
        using var synchronized = new ManualResetEventSlim();
        var synchronizer = new Thread(() =>
        {
            registry.Synchronize();
            synchronized.Set();
        }) { IsBackground = true };
        synchronizer.Start();
        Assert.False(synchronized.Wait(200));
        release.Set();
        Assert.True(synchronized.Wait(TimeSpan.FromMinutes(1)));
        Assert.True(stuck.Join(TimeSpan.FromMinutes(1)));
        Assert.Equal(0, slow.FaultCount); // a slow probe is not a fault: nothing detects or stops it
    }

    [Fact]
    public void Fire_ProbeAllocatingMoreThanCanExist_IsCaughtAsAFaultDetachedAndReportedOnce()
    {
        var registry = new HookRegistry();
        var hook = registry.Register(new Hook<int>("h", "x"));
        var reports = new List<ProbeFault>();
        registry.ProbeFaulted += (_, fault) => reports.Add(fault);
        var calls = 0;
        var good = 0;
        hook.Attach(n =>
        {
            calls++;
            // Past Array.MaxLength: the runtime throws OutOfMemoryException without touching the heap.
            GC.KeepAlive(new byte[Array.MaxLength + n]);
        }, priority: 20, owner: "greedy-module");
        hook.Attach(_ => good++);

        hook.Fire(1);
        hook.Fire(2);

        Assert.Equal(1, calls);
        Assert.Equal(2, good);
        Assert.Equal(1, hook.FaultCount);
        Assert.Equal(1, hook.ProbeCount);
        var report = Assert.Single(reports);
        Assert.Equal("greedy-module", report.Owner);
        Assert.IsType<OutOfMemoryException>(report.Exception);
    }

    [Fact]
    public void Fire_ProbeAllocatingHeavilyButWithinLimits_IsNotAFaultAndItsGarbageIsCollected()
    {
        var registry = new HookRegistry();
        var hook = registry.Register(new Hook<int>("h", "x"));
        var total = 0L;
        // Weak references to some of the garbage, not GC.GetTotalMemory: that counts every test running in parallel
        // (it failed once on a machine at load 18 while nothing here was retained).
        var sampled = new List<WeakReference<byte[]>>();
        hook.Attach(x =>
        {
            var garbage = new byte[1 << 20];
            total += garbage.Length;
            if (x % 64 == 0)
            {
                sampled.Add(new WeakReference<byte[]>(garbage));
            }
        });

        for (var i = 0; i < 512; i++)
        {
            hook.Fire(i);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.Equal(512L << 20, total);
        Assert.Equal(0, hook.FaultCount);
        Assert.Equal(8, sampled.Count);
        Assert.All(sampled, reference => Assert.False(reference.TryGetTarget(out _), "a probe's garbage outlived the firing"));
    }
}
