using ModularTrace.Hooks;

namespace ModularTrace.Core.Tests.Hooks;

public sealed class HookProbeTests
{
    [Fact]
    public void Fire_NoProbe_IsDisabledAndCallsNothing()
    {
        var hook = new Hook<int, int, int>("h", "a", "b", "c");
        Assert.False(hook.IsEnabled);
        Assert.Null(Record.Exception(() => hook.Fire(1, 2, 3)));
        Assert.Equal(0, hook.ProbeCount);
    }

    [Fact]
    public void Fire_AttachedProbe_ReceivesEveryArgument()
    {
        var hook = new Hook<int, string, long, bool, byte, char>("h6", "a", "b", "c", "d", "e", "f");
        object[]? seen = null;
        hook.Attach((a, b, c, d, e, f) => seen = [a, b, c, d, e, f]);
        hook.Fire(1, "two", 3L, true, 5, 'x');
        Assert.Equal([1, "two", 3L, true, (byte)5, 'x'], seen);
        Assert.True(hook.IsEnabled);
    }

    [Fact]
    public void Fire_EightArguments_AllArrive()
    {
        var hook = new Hook<int, int, int, int, int, int, int, int>("h8", "a", "b", "c", "d", "e", "f", "g", "h");
        var sum = 0;
        hook.Attach((a, b, c, d, e, f, g, h) => sum = a + b + c + d + e + f + g + h);
        hook.Fire(1, 2, 3, 4, 5, 6, 7, 8);
        Assert.Equal(36, sum);
    }

    [Fact]
    public void Attach_Priorities_HigherRunsFirstAndEqualKeepAttachOrder()
    {
        var hook = new Hook<int>("h", "x");
        var order = new List<string>();
        hook.Attach(_ => order.Add("low"), priority: 1);
        hook.Attach(_ => order.Add("default-1"));
        hook.Attach(_ => order.Add("high"), priority: 100);
        hook.Attach(_ => order.Add("default-2"), priority: Hook.DefaultPriority);
        hook.Fire(0);
        Assert.Equal(["high", "default-1", "default-2", "low"], order);
        Assert.Equal([100, 10, 10, 1], hook.GetProbes().Select(p => p.Priority));
    }

    [Fact]
    public void Attach_SameProbeTwice_IsRefused()
    {
        var hook = new Hook<int>("h", "x");
        Action<int> probe = _ => { };
        hook.Attach(probe);
        Assert.False(hook.TryAttach(probe, priority: 50));
        var ex = Assert.Throws<InvalidOperationException>(() => hook.Attach(probe));
        Assert.Contains("EEXIST", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, hook.ProbeCount);
    }

    [Fact]
    public void Detach_LastProbe_DisablesTheHook()
    {
        var hook = new Hook<int>("h", "x");
        var calls = 0;
        Action<int> probe = _ => calls++;
        hook.Attach(probe);
        hook.Fire(1);
        Assert.True(hook.Detach(probe));
        Assert.False(hook.Detach(probe));
        hook.Fire(2);
        Assert.Equal(1, calls);
        Assert.False(hook.IsEnabled);
    }

    [Fact]
    public void Detach_PublishesANewArray_SnapshotHoldersKeepTheOld()
    {
        var hook = new Hook<int>("h", "x");
        Action<int> first = _ => { };
        Action<int> second = _ => { };
        hook.Attach(first);
        hook.Attach(second);
        var before = hook.GetProbes();
        hook.Detach(first);
        Assert.Equal(2, before.Length);
        Assert.Equal(1, hook.ProbeCount);
    }

    [Fact]
    public void DetachOwnedBy_RemovesOnlyThatOwnersProbes()
    {
        var registry = new HookRegistry();
        var a = registry.Register(new Hook<int>("a", "x"));
        var b = registry.Register(new Hook<int>("b", "x"));
        var module = new object();
        a.Attach(_ => { }, owner: module);
        b.Attach(_ => { }, owner: module);
        b.Attach(_ => { }, owner: "other");
        Assert.Equal(2, registry.DetachOwnedBy(module));
        Assert.False(a.IsEnabled);
        Assert.Equal(1, b.ProbeCount);
    }

    [Fact]
    public void Fire_ProbeThrows_IsCaughtDetachedCountedAndReportedOnce()
    {
        var registry = new HookRegistry();
        var hook = registry.Register(new Hook<int>("h", "x"));
        var reports = new List<ProbeFault>();
        registry.ProbeFaulted += (_, fault) => reports.Add(fault);
        var good = 0;
        hook.Attach(_ => throw new InvalidOperationException("boom"), priority: 20, owner: "bad-module");
        hook.Attach(_ => good++);

        hook.Fire(1);
        hook.Fire(2);

        Assert.Equal(2, good);                 // the other probe kept running, including on the faulting call
        Assert.Equal(1, hook.FaultCount);
        Assert.Equal(1, hook.ProbeCount);      // the faulting probe was detached
        var report = Assert.Single(reports);   // reported once
        Assert.Equal("bad-module", report.Owner);
        Assert.Equal("boom", report.Exception.Message);
    }
}
