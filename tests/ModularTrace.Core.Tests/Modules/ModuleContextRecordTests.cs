using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;
using ModularTrace.Output;

namespace ModularTrace.Core.Tests.Modules;

/// <summary>
/// <see cref="ModuleContext.Record{T1, T2, T3}(Hook{T1, T2, T3}, TraceEvent, Func{T1, T2, T3, int}, EventAssign{T1, T2, T3})"/>:
/// the sample modules' reserve / assign / commit body written once (the kernel's TRACE_EVENT: the event's class is
/// its fields and print format, the assign step is TP_fast_assign).
/// </summary>
public sealed class ModuleContextRecordTests
{
    private readonly HookRegistry _registry = new();
    private readonly TraceSession _session = new(new TraceOptions { Clock = TraceClock.Counter, BufferSize = 1 << 16 });
    private readonly Hook<int, string, long> _open;
    private readonly NullaryHook _tick;
    private readonly Hook<int> _undeclared;
    private readonly object _owner = new();
    private readonly ModuleContext _context;

    public ModuleContextRecordTests()
    {
        _open = _registry.Register(new Hook<int, string, long>("open", "fd", "path", "ret"));
        _tick = _registry.Register(new NullaryHook("tick"));
        _undeclared = _registry.Register(new Hook<int>("other", "value"));
        _context = new ModuleContext("test", _registry, _session, ["open", "tick"], _owner);
    }

    private TraceEvent DefineOpen(out EventField fd, out EventField path, out EventField ret)
    {
        var b = new EventLayoutBuilder();
        fd = b.S32("fd");
        path = b.DynamicString("path");
        ret = b.S64("ret");
        var ev = _context.DefineEvent("test", "open", new EventClass("open", b.Build(), "fd={fd} path={path} ret={ret}"));
        ev.IsEnabled = true;
        return ev;
    }

    private List<string> Render() =>
        [.. new TraceReader(_session).Read(consume: true).Select(r => $"{r.Event!.FullName} {r.Event.Class.Print.Render(r.Data)}")];

    [Fact]
    public void Record_WritesTheAssignedFields_WithRoomForTheString()
    {
        var ev = DefineOpen(out var fd, out var path, out var ret);
        _context.Record(_context.Hook<Hook<int, string, long>>("open"), ev, (_, p, _) => TraceEvent.SizeOf(p), (ref w, f, p, r) =>
        {
            w.Set(fd, f);
            w.Set(path, p);
            w.Set(ret, r);
        });

        _open.Fire(3, "/etc/hostname", 0);
        _open.Fire(-100, "/a/path/longer/than/the/fixed/part/of/the/record", -2);

        Assert.Equal(["test:open fd=3 path=/etc/hostname ret=0", "test:open fd=-100 path=/a/path/longer/than/the/fixed/part/of/the/record ret=-2"], Render());
        Assert.Same(_owner, Assert.Single(_open.GetProbes()).Owner);
    }

    // The README's example, shape for shape: seven arguments, five discarded, C# 14's simple lambda with 'ref'.
    [Fact]
    public void Record_ReadmeExample_RecordsTheTwoFieldsItAssigns()
    {
        var registry = new HookRegistry();
        var hook = registry.Register(new Hook<string, int, int, long, string, int, int>("sched_switch", "prev_comm", "prev_pid", "prev_prio", "prev_state", "next_comm", "next_pid", "next_prio"));
        var context = new ModuleContext("mysched", registry, _session, ["sched_switch"], new object());
        var b = new EventLayoutBuilder();
        var pid = b.S32("next_pid");
        var comm = b.Chars("next_comm", 16);
        var ev = context.DefineEvent("mysched", "switch", new EventClass("switch", b.Build(), "next={next_comm}/{next_pid}"));
        ev.IsEnabled = true;
        context.Record(context.Hook<Hook<string, int, int, long, string, int, int>>("sched_switch"), ev, (ref w, _, _, _, _, nc, np, _) =>
        {
            w.Set(pid, np);
            w.Set(comm, nc);
        });

        hook.Fire("bash", 1, 120, 0, "kworker/0:1", 42, 120);

        Assert.Equal(["mysched:switch next=kworker/0:1/42"], Render());
    }

    [Fact]
    public void Record_NullaryHook_WritesOneRecordPerFiring()
    {
        var b = new EventLayoutBuilder();
        var one = b.S32("one");
        var ev = _context.DefineEvent("test", "tick", new EventClass("tick", b.Build(), "one={one}"));
        ev.IsEnabled = true;
        _context.Record(_context.Hook<NullaryHook>("tick"), ev, (ref w) => w.Set(one, 1));

        _tick.Fire();
        _tick.Fire();

        Assert.Equal(["test:tick one=1", "test:tick one=1"], Render());
    }

    [Fact]
    public void Record_DisabledEvent_SkipsTheAssignStep()
    {
        var ev = DefineOpen(out _, out _, out _);
        ev.IsEnabled = false;
        var assigned = 0;
        var sized = 0;
        _context.Record(_open, ev, (_, _, _) => ++sized, (ref _, _, _, _) => assigned++);

        _open.Fire(1, "x", 0);

        Assert.Equal(0, assigned);
        Assert.Equal(0, sized);
        Assert.Empty(Render());
    }

    // The kernel registers a trace event's probe at enable (trace_event_reg) and unregisters it at disable: a disabled
    // event's hook stays a disabled hook (one branch), and a runtime hook's source stays unsubscribed.
    [Fact]
    public void Record_ProbeIsOnTheHookOnlyWhileTheEventIsEnabled()
    {
        var ev = DefineOpen(out var fd, out _, out _);
        ev.IsEnabled = false;
        _context.Record(_open, ev, (ref w, f, _, _) => w.Set(fd, f));
        Assert.False(_open.IsEnabled);

        ev.IsEnabled = true;
        Assert.True(_open.IsEnabled);
        Assert.Same(_owner, Assert.Single(_open.GetProbes()).Owner);
        _open.Fire(1, "x", 0);

        ev.IsEnabled = false;
        Assert.False(_open.IsEnabled);
        _open.Fire(2, "x", 0);

        ev.IsEnabled = true;
        ev.IsEnabled = true; // no second attach (the kernel's EEXIST would be a bug here)
        _open.Fire(3, "x", 0);
        Assert.Equal(1, _open.ProbeCount);
        Assert.Equal(["test:open fd=1 path= ret=0", "test:open fd=3 path= ret=0"], Render());
    }

    [Fact]
    public void Record_ProbeThatFaulted_IsNotAttachedAgainAtTheNextEnable()
    {
        var ev = DefineOpen(out _, out _, out _);
        var calls = 0;
        _context.Record(_open, ev, (ref _, _, _, _) =>
        {
            calls++;
            throw new InvalidOperationException("broken probe");
        });

        _open.Fire(1, "x", 0);
        Assert.Equal(0, _open.ProbeCount);
        ev.IsEnabled = false;
        ev.IsEnabled = true;
        _open.Fire(2, "x", 0);

        Assert.Equal(1, calls);
        Assert.Equal(0, _open.ProbeCount);
        Assert.Equal(1, _open.FaultCount);
    }

    // A removed event is kept a while to decode old records; enabling it must not bring an unloaded module's probe
    // (and with it the module's code) back onto the hook.
    [Fact]
    public void Record_EventRemoved_DetachesAndNeverAttachesAgain()
    {
        var ev = DefineOpen(out var fd, out _, out _);
        _context.Record(_open, ev, (ref w, f, _, _) => w.Set(fd, f));
        Assert.Equal(1, _open.ProbeCount);

        Assert.True(_session.Remove(ev));
        Assert.Equal(0, _open.ProbeCount);
        ev.IsEnabled = true;

        Assert.Equal(0, _open.ProbeCount);
        Assert.Equal(0, ev.ArmedProbes);
        Assert.Throws<InvalidOperationException>(() => _context.Record(_open, ev, (ref _, _, _, _) => { }));
    }

    [Fact]
    public async Task Record_EnableAndDisableFromManyThreads_EndsWithTheProbeOnExactlyWhenEnabled()
    {
        var ev = DefineOpen(out var fd, out _, out _);
        _context.Record(_open, ev, (ref w, f, _, _) => w.Set(fd, f));
        var firing = Task.Run(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                _open.Fire(i, "x", 0);
            }
        });
        Parallel.For(0, 2_000, i => ev.IsEnabled = i % 3 != 0);
        await firing;

        ev.IsEnabled = true;
        Assert.Equal(1, _open.ProbeCount);
        ev.IsEnabled = false;
        Assert.Equal(0, _open.ProbeCount);
        Assert.Equal(0, _open.FaultCount);
    }

    // A probe that throws between reserve and commit used to leave its buffer's reservation standing (trace_pipe's
    // watermark then waits on a record that never comes); Record gives the slot back before the fault is handled.
    [Fact]
    public void Record_AssignStepThrows_PublishesNothing_AndGivesTheSlotBack()
    {
        var ev = DefineOpen(out var fd, out _, out _);
        var faults = new List<ProbeFault>();
        _registry.ProbeFaulted += (_, fault) => faults.Add(fault);
        _context.Record(_open, ev, (ref w, f, _, _) =>
        {
            w.Set(fd, f);
            throw new InvalidOperationException("assign failed");
        });

        _open.Fire(1, "x", 0);

        Assert.Empty(Render());
        Assert.All(_session.Buffers, buffer => Assert.Equal(-1, buffer.ReservedPosition));
        Assert.Equal("assign failed", Assert.Single(faults).Exception.Message);
        Assert.Equal(0, _open.ProbeCount);
    }

    [Fact]
    public void Record_AnotherModulesEvent_IsRefusedAndAttachesNothing()
    {
        var b = new EventLayoutBuilder();
        b.S32("fd");
        var foreign = _session.Define("other", "open", new EventClass("open", b.Build(), "fd={fd}"), owner: new object());

        var error = Assert.Throws<InvalidOperationException>(() => _context.Record(_open, foreign, (ref _, _, _, _) => { }));

        Assert.Equal("test: event 'other:open' was not defined by this module; Record writes only into events from its own DefineEvent.", error.Message);
        Assert.Equal(0, _open.ProbeCount);
    }

    [Fact]
    public void Record_UndeclaredHook_IsRefused()
    {
        var b = new EventLayoutBuilder();
        b.S32("value");
        var ev = _context.DefineEvent("test", "other", new EventClass("other", b.Build(), "value={value}"));

        Assert.Throws<InvalidOperationException>(() => _context.Record(_undeclared, ev, (ref _, _) => { }));
        Assert.Equal(0, _undeclared.ProbeCount);
    }

    [Fact]
    public void Record_Firing_AllocatesNothing()
    {
        var ev = DefineOpen(out var fd, out var path, out var ret);
        _context.Record(_open, ev, (_, p, _) => TraceEvent.SizeOf(p), (ref w, f, p, r) =>
        {
            w.Set(fd, f);
            w.Set(path, p);
            w.Set(ret, r);
        });
        _open.Fire(0, "warm", 0);

        var bytes = Allocations.Least(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                _open.Fire(i, "/etc/hostname", 0);
            }
        });

        Assert.Equal(0, bytes);
    }
}
