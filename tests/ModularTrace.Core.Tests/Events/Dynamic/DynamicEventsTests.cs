using ModularTrace.Buffers;
using ModularTrace.Events;
using ModularTrace.Events.Dynamic;
using ModularTrace.Events.Filters;
using ModularTrace.Hooks;
using ModularTrace.Output;

namespace ModularTrace.Core.Tests.Events.Dynamic;

public sealed class DynamicEventsTests
{
    private const byte B = 0xF0;
    private const sbyte Sb = -3;
    private const short Sh = -300;
    private const ushort Us = 0xFFF0;
    private const int I = -123456;
    private const uint Ui = 0xDEADBEEF;
    private const long L = -5_000_000_000;
    private const ulong Ul = 0xFEDCBA9876543210;

    private readonly HookRegistry _hooks = new();
    private readonly TraceSession _session = new(new TraceOptions { Clock = TraceClock.Counter });
    private readonly Hook<byte, sbyte, short, ushort, int, uint, long, ulong> _ints;
    private readonly Hook<string, char, bool> _misc;
    private readonly Hook<int, string, long> _switch;
    private readonly DynamicEvents _dynamic;

    public DynamicEventsTests()
    {
        _ints = _hooks.Register(new Hook<byte, sbyte, short, ushort, int, uint, long, ulong>("ints", "b", "sb", "sh", "us", "i", "ui", "l", "ul"));
        _misc = _hooks.Register(new Hook<string, char, bool>("misc", "s", "c", "f"));
        _switch = _hooks.Register(new Hook<int, string, long>("switch", "prev_pid", "prev_comm", "prev_state"));
        _dynamic = new DynamicEvents(_session, _hooks);
    }

    // Expected values worked out by hand (two's complement), not by the code under test.
    [Theory]
    [InlineData("u8 b", "b=240")]
    [InlineData("b", "b=240")]
    [InlineData("s8 b", "b=-16")]
    [InlineData("s64 b", "b=240")]
    [InlineData("x8 sb", "sb=0xfd")]
    [InlineData("s64 sb", "sb=-3")]
    [InlineData("u16 sb", "sb=65533")]
    [InlineData("x64 sb", "sb=0xfffffffffffffffd")]
    [InlineData("s16 sh", "sh=-300")]
    [InlineData("u32 sh", "sh=4294966996")]
    [InlineData("u16 us", "us=65520")]
    [InlineData("s16 us", "us=-16")]
    [InlineData("int i", "i=-123456")]
    [InlineData("x32 i", "i=0xfffe1dc0")]
    [InlineData("long i", "i=-123456")]
    [InlineData("u64 i", "i=18446744073709428160")]
    [InlineData("unsigned ui", "ui=3735928559")]
    [InlineData("s32 ui", "ui=-559038737")]
    [InlineData("x64 ui", "ui=0xdeadbeef")]
    [InlineData("s64 ui", "ui=3735928559")]
    [InlineData("s64 l", "l=-5000000000")]
    [InlineData("x32 l", "l=0xd5fa0e00")]
    [InlineData("s32 l", "l=-705032704")]
    [InlineData("u64 ul", "ul=18364758544493064720")]
    [InlineData("x64 ul", "ul=0xfedcba9876543210")]
    [InlineData("s8 ul", "ul=16")]
    [InlineData("x16 ul", "ul=0x3210")]
    public void Add_IntegerTypes_RecordAsTheKernelTruncatesAndExtends(string argument, string expected)
    {
        Enable($"ints({argument})");
        _ints.Fire(B, Sb, Sh, Us, I, Ui, L, Ul);
        Assert.Equal(expected, Assert.Single(Render()));
    }

    [Fact]
    public void Add_TextCharAndBool_RecordAndPrintAsTheKernel()
    {
        Enable("misc(string s, char c, bool f)");
        _misc.Fire("path/\u00e4", '\u00e9', true);
        _misc.Fire("", 'x', false);
        Assert.Equal(["s=\"path/\u00e4\" c='\u00e9' f=1", "s=\"\" c='x' f=0"], Render());
    }

    [Fact]
    public void Add_HexTypes_PrintFormatUsesKernelHex()
    {
        var ev = Enable("switch(int prev_pid, string prev_comm, x32 prev_state)");
        Assert.Equal("\"prev_pid=%d prev_comm=\\\"%s\\\" prev_state=0x%x\", REC->prev_pid, __get_str(prev_comm), REC->prev_state", ev.Event.Class.Print.KernelText);
        var format = FormatFile.Render(ev.Event);
        Assert.Contains("field:__data_loc char[] prev_comm;", format, StringComparison.Ordinal);
        Assert.Contains("field:u32 prev_state;", format, StringComparison.Ordinal);
        Assert.Contains("name: switch", format, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_FilterOnDynamicEvent_AppliesAsOnAnyEvent()
    {
        var ev = Enable("switch(prev_pid, prev_comm)");
        var filter = EventFilterParser.Parse("prev_pid < 100 && prev_comm ~ \"k*\"", ev.Event.Class.Layout);
        ev.Event.Filter = filter.Value;
        _switch.Fire(5, "kworker", 0);
        _switch.Fire(500, "kworker", 0);
        _switch.Fire(5, "bash", 0);
        Assert.Equal(["prev_pid=5 prev_comm=\"kworker\""], Render());
    }

    [Fact]
    public void Add_DynamicAndModuleEventOnTheSameHook_BothRecord()
    {
        var b = new EventLayoutBuilder();
        var pid = b.S32("pid");
        var module = _session.Define("sched", "switch", new EventClass("switch", b.Build(), "pid={pid}"), owner: "sched");
        _switch.Attach((p, _, _) =>
        {
            var w = module.Reserve();
            w.Set(pid, p);
            w.Commit();
        }, owner: "sched");
        module.IsEnabled = true;
        var dynamic = Enable("switch(x64 prev_state)");

        _switch.Fire(7, "bash", 2);

        var records = new TraceReader(_session).Read(consume: true);
        Assert.Equal(["dynamic:switch prev_state=0x2", "sched:switch pid=7"], records.Select(r => $"{r.Event!.FullName} {r.Event.Class.Print.Render(r.Data)}").Order(StringComparer.Ordinal));
        Assert.Equal(2, _switch.ProbeCount);
        Assert.Same(_dynamic.Owner, dynamic.Event.Owner);
    }

    [Fact]
    public void Remove_DetachesTheProbeAndRemovesTheEvent()
    {
        var ev = Enable("grp/ev=switch(prev_pid)");
        Assert.Equal(1, _switch.ProbeCount);

        Assert.True(_dynamic.Remove("grp/ev"));

        Assert.Equal(0, _switch.ProbeCount);
        Assert.Null(_session.Find("grp:ev"));
        Assert.True(ev.Event.IsRemoved);
        Assert.Empty(_dynamic.List());
        _switch.Fire(1, "a", 0);
        Assert.Empty(Render());
        Assert.False(_dynamic.Remove("grp:ev"));
    }

    [Fact]
    public void Add_EventNameTaken_IsRefusedAndAttachesNothing()
    {
        _session.Define("dynamic", "switch", new EventClass("c", new EventLayoutBuilder().Build(), ""));

        var result = _dynamic.Add("switch(prev_pid)");

        Assert.False(result.IsSuccess);
        Assert.Contains("EEXIST", result.Error.Message, StringComparison.Ordinal);
        Assert.Equal(0, result.Error.Position);
        Assert.Equal(0, _switch.ProbeCount);
        Assert.Empty(_dynamic.List());
        Assert.Same(result.Error, Assert.Single(_session.ErrorLog.Entries));
    }

    [Fact]
    public void Add_ParseError_IsLoggedAndDefinesNothing()
    {
        var result = _dynamic.Add("switch(int prev_pdi)");
        Assert.Equal(11, result.Error!.Position);
        Assert.Same(result.Error, Assert.Single(_session.ErrorLog.Entries));
        Assert.Empty(_session.Events);
        Assert.Equal(0, _switch.ProbeCount);
    }

    [Fact]
    public void Add_WhenNotAllowed_IsRefusedWithEperm()
    {
        var locked = new DynamicEvents(_session, _hooks, allowed: false);
        var result = locked.Add("switch(prev_pid)");
        Assert.Contains("EPERM", result.Error!.Message, StringComparison.Ordinal);
        Assert.Empty(_session.Events);
    }

    [Fact]
    public void Metadata_ListsEachEventAsGroupEventEqualsSpec()
    {
        Enable("switch(int prev_pid, x32 prev_state)");
        Enable("m/e=misc(s)");
        Assert.Equal(["dynamic/switch=switch(s32 prev_pid, x32 prev_state)", "m/e=misc(string s)"], _dynamic.Metadata());
    }

    [Fact]
    public void Clear_RemovesEveryEventAndProbeOfTheOwner()
    {
        Enable("switch(prev_pid)");
        Enable("misc(s)");
        Assert.Equal(2, _dynamic.Clear());
        Assert.Equal(0, _switch.ProbeCount + _misc.ProbeCount);
        Assert.Empty(_session.Events);
    }

    [Fact]
    public void Fire_EnabledDynamicEvent_AllocatesNothing()
    {
        Enable("switch(int prev_pid, string prev_comm, x32 prev_state)");
        Enable("ints(b, sb, sh, us, i, ui, l, ul)");
        _switch.Fire(1, "warm", 1);
        _ints.Fire(B, Sb, Sh, Us, I, Ui, L, Ul);

        var allocated = Allocations.Least(() =>
        {
            for (var n = 0; n < 10_000; n++)
            {
                _switch.Fire(n, "kworker/0:1", n);
                _ints.Fire(B, Sb, Sh, Us, n, Ui, L, Ul);
            }
        });

        Assert.Equal(0, allocated);
        // Every firing reached the ring: written, or dropped once the buffer was full (discard mode).
        Assert.Equal(2 + (20_000 * Allocations.Runs), _session.Buffers.Sum(buffer => buffer.Stats.Written + buffer.Stats.Dropped));
    }

    private DynamicEvent Enable(string spec)
    {
        var result = _dynamic.Add(spec);
        Assert.True(result.IsSuccess, result.Error?.ToString());
        result.Value.Event.IsEnabled = true;
        return result.Value;
    }

    private List<string> Render()
        => [.. new TraceReader(_session).Read(consume: true).Select(record => record.Event!.Class.Print.Render(record.Data))];
}
