using ModularTrace.Hooks;
using ModularTrace.Tasks;

namespace ModularTrace.Core.Tests.Hooks;

public sealed class HookConcurrencyTests
{
    private const int Firers = 4;

    private static Thread[] StartThreads(int count, Action<int> body)
    {
        var threads = Enumerable.Range(0, count).Select(i => new Thread(() => body(i)) { IsBackground = true }).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        return threads;
    }

    private static void JoinAll(Thread[] threads)
    {
        foreach (var thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromMinutes(2)), "a test thread hung");
        }
    }

    [Fact]
    public void Fire_WhileOtherProbesAttachAndDetach_StayingProbeSeesEveryFiring()
    {
        var hook = new Hook<int>("h", "x");
        long stayingCalls = 0;
        hook.Attach(_ => Interlocked.Increment(ref stayingCalls));
        const int perThread = 200_000;
        var stop = 0;
        var cycles = 0;
        var churn = StartThreads(1, _ =>
        {
            while (Volatile.Read(ref stop) == 0)
            {
                Action<int> transient = _ => { };
                hook.Attach(transient, cycles++ % 20);
                hook.Detach(transient);
            }
        });

        JoinAll(StartThreads(Firers, _ =>
        {
            for (var i = 0; i < perThread; i++)
            {
                hook.Fire(i);
            }
        }));
        Volatile.Write(ref stop, 1);
        JoinAll(churn);

        Assert.Equal(Firers * perThread, Interlocked.Read(ref stayingCalls));
        Assert.True(cycles > 0);
        Assert.Equal(1, hook.ProbeCount);
    }

    [Fact]
    public void Synchronize_AfterDetach_NoDetachedProbeRunsAfterItReturns()
    {
        var hook = new Hook<int>("h", "x");
        var stop = 0;
        var firers = StartThreads(Firers, _ =>
        {
            while (Volatile.Read(ref stop) == 0)
            {
                hook.Fire(1);
            }
        });

        var violations = 0;
        for (var round = 0; round < 2_000; round++)
        {
            var detached = 0; // 0 attached, 1 detached and synchronized
            var lateCalls = 0;
            Action<int> probe = _ =>
            {
                if (Volatile.Read(ref detached) == 1)
                {
                    Interlocked.Increment(ref lateCalls);
                }

                Thread.SpinWait(20);
            };
            hook.Attach(probe);
            Thread.SpinWait(200);
            hook.Detach(probe);
            hook.Synchronize();
            Volatile.Write(ref detached, 1);
            Thread.SpinWait(200);
            violations += Volatile.Read(ref lateCalls);
        }

        Volatile.Write(ref stop, 1);
        JoinAll(firers);
        Assert.Equal(0, violations);
    }

    [Fact]
    public void Synchronize_ProbeStillRunning_WaitsForIt()
    {
        var hook = new Hook<int>("h", "x");
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        using var synchronized = new ManualResetEventSlim();
        var finished = 0;
        Action<int> probe = _ =>
        {
            entered.Set();
            release.Wait();
            Volatile.Write(ref finished, 1);
        };
        hook.Attach(probe);
        var firer = StartThreads(1, _ => hook.Fire(1));
        entered.Wait();
        hook.Detach(probe);

        var synchronizer = StartThreads(1, _ =>
        {
            hook.Synchronize();
            synchronized.Set();
        });
        Assert.False(synchronized.Wait(200)); // the probe is still running, so Synchronize must not return
        release.Set();
        Assert.True(synchronized.Wait(TimeSpan.FromMinutes(1)));
        Assert.Equal(1, Volatile.Read(ref finished));
        JoinAll(firer);
        JoinAll(synchronizer);
    }

    [Fact]
    public void Synchronize_AfterFiringThreadsExited_ForgetsTheirCountersButKeepsLiveOnes()
    {
        var hook = new Hook<int>("h", "x");
        hook.Attach(_ => { });
        var states = new ThreadTraceState[Firers];
        JoinAll(StartThreads(Firers, i =>
        {
            hook.Fire(i);
            states[i] = ThreadTraceState.Current;
        }));
        hook.Fire(0);
        Assert.All(states, state => Assert.True(GracePeriod.IsRegistered(state)));

        GC.KeepAlive(hook);
        // Thread objects of exited threads are only weakly held; a grace period prunes their states.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        hook.Synchronize();

        Assert.All(states, state => Assert.False(GracePeriod.IsRegistered(state)));
        Assert.True(GracePeriod.IsRegistered(ThreadTraceState.Current)); // this thread fired and still runs
    }

    [Fact]
    public void Fire_NestedFromInsideAProbe_SynchronizeStillWaitsForTheOuterProbe()
    {
        var outer = new Hook<int>("outer", "x");
        var inner = new Hook<int>("inner", "x");
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        using var synchronized = new ManualResetEventSlim();
        var innerCalls = 0;
        inner.Attach(_ => innerCalls++);
        Action<int> probe = x =>
        {
            inner.Fire(x); // a probe that fires another hook: the thread's counters nest
            entered.Set();
            release.Wait();
        };
        outer.Attach(probe);
        var firer = StartThreads(1, _ => outer.Fire(1));
        entered.Wait();
        outer.Detach(probe);

        var synchronizer = StartThreads(1, _ =>
        {
            outer.Synchronize();
            synchronized.Set();
        });
        Assert.False(synchronized.Wait(200));
        release.Set();
        Assert.True(synchronized.Wait(TimeSpan.FromMinutes(1)));
        JoinAll(firer);
        JoinAll(synchronizer);
        Assert.Equal(1, innerCalls);
    }

    [Fact]
    public void Fire_FromManyShortLivedThreads_RegistrationDropsExitedThreadsWithoutAnyUnload()
    {
        var hook = new Hook<int>("h", "x");
        hook.Attach(_ => { });
        var states = new List<ThreadTraceState>();
        for (var i = 0; i < 600; i++)
        {
            ThreadTraceState? state = null;
            var thread = new Thread(() =>
            {
                hook.Fire(1);
                state = ThreadTraceState.Current;
            });
            thread.Start();
            JoinAll([thread]);
            states.Add(state!);
        }

        // 600 registrations cross a power of two of the list's length at least once after the first 64 threads ended.
        Assert.All(states.Take(64), state => Assert.False(GracePeriod.IsRegistered(state)));
    }
}

