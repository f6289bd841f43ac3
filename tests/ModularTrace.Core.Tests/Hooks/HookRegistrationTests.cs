using ModularTrace.Hooks;

namespace ModularTrace.Core.Tests.Hooks;

/// <summary>The first-attach / last-detach callbacks (the kernel's TRACE_EVENT_FN regfunc and unregfunc).</summary>
public sealed class HookRegistrationTests
{
    [Fact]
    public void Attach_FirstAndLastProbe_RunRegisterAndUnregisterOnceEach()
    {
        var hook = new Hook<int>("fed", "x");
        var (registered, unregistered) = (0, 0);
        hook.SetRegistration(() => registered++, () => unregistered++);
        Action<int> first = _ => { };
        Action<int> second = _ => { };

        hook.Attach(first);
        hook.Attach(second);
        Assert.Equal((1, 0), (registered, unregistered));
        Assert.True(hook.Detach(first));
        Assert.Equal((1, 0), (registered, unregistered));
        Assert.True(hook.Detach(second));
        Assert.Equal((1, 1), (registered, unregistered));
        hook.Attach(first);
        Assert.Equal((2, 1), (registered, unregistered));
    }

    [Fact]
    public void Attach_RegisterRuns_BeforeTheProbeIsPublished()
    {
        var hook = new Hook<int>("fed", "x");
        bool? enabledDuringRegister = null;
        hook.SetRegistration(() => enabledDuringRegister = hook.IsEnabled, () => { });
        hook.Attach(_ => { });
        Assert.False(enabledDuringRegister);
    }

    [Fact]
    public void Attach_RegisterThrows_NothingIsAttached()
    {
        var hook = new Hook<int>("fed", "x");
        hook.SetRegistration(() => throw new InvalidOperationException("source gone"), () => { });
        Assert.Throws<InvalidOperationException>(() => hook.Attach(_ => { }));
        Assert.False(hook.IsEnabled);
    }

    [Fact]
    public void DetachOwnedBy_LastProbes_RunsUnregister()
    {
        var registry = new HookRegistry();
        var hook = registry.Register(new Hook<int>("fed", "x"));
        var unregistered = 0;
        hook.SetRegistration(() => { }, () => unregistered++);
        hook.Attach(_ => { }, owner: "m");
        hook.Attach(_ => { }, owner: "m");
        Assert.Equal(2, registry.DetachOwnedBy("m"));
        Assert.Equal(1, unregistered);
    }

    [Fact]
    public void Fire_LastProbeThrows_IsDetachedAndUnregisterRuns()
    {
        var registry = new HookRegistry();
        var hook = registry.Register(new Hook<int>("fed", "x"));
        var unregistered = 0;
        hook.SetRegistration(() => { }, () => unregistered++);
        hook.Attach(_ => throw new InvalidOperationException("bad probe"));
        hook.Fire(1);
        Assert.Equal(1, unregistered);
        Assert.Equal(1, hook.FaultCount);
    }

    [Fact]
    public void FaultAll_DetachesEveryProbe_ReportsEachAndUnregisters()
    {
        var registry = new HookRegistry();
        var hook = registry.Register(new Hook<int>("fed", "x"));
        var unregistered = 0;
        hook.SetRegistration(() => { }, () => unregistered++);
        var faults = new List<ProbeFault>();
        registry.ProbeFaulted += (_, fault) => faults.Add(fault);
        hook.Attach(_ => { }, owner: "a");
        hook.Attach(_ => { }, owner: "b");

        Assert.Equal(2, hook.FaultAll(new InvalidCastException("payload changed")));
        Assert.False(hook.IsEnabled);
        Assert.Equal(1, unregistered);
        Assert.Equal(2, hook.FaultCount);
        Assert.Equal(["a", "b"], faults.Select(f => (string)f.Owner!).Order());
    }

    [Fact]
    public void SetRegistration_Twice_IsRefused()
    {
        var hook = new Hook<int>("fed", "x");
        hook.SetRegistration(() => { }, () => { });
        Assert.Throws<InvalidOperationException>(() => hook.SetRegistration(() => { }, () => { }));
    }
}
