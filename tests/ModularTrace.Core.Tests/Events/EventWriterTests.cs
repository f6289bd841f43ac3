using ModularTrace.Buffers;
using ModularTrace.Events;
using ModularTrace.Output;
using ModularTrace.Tasks;

namespace ModularTrace.Core.Tests.Events;

public sealed class EventWriterTests
{
    private sealed class PidFilter(int pid, EventField field) : EventFilter
    {
        public override string Text => $"pid == {pid}";

        public override bool Matches(ReadOnlySpan<byte> record) => RecordValues.ReadInt64(record, field) == pid;
    }

    private sealed class CountingTrigger : EventTrigger
    {
        public int Count;

        public override string Text => "count";

        public override void Fire(TraceEvent ev, ReadOnlySpan<byte> record) => Count++;
    }

    [Fact]
    public void Commit_EveryFieldType_RoundTripsThroughTheRecordAndText()
    {
        var session = new TraceSession();
        var b = new EventLayoutBuilder();
        var u8 = b.U8("u8");
        var s8 = b.S8("s8");
        var u16 = b.U16("u16");
        var s16 = b.S16("s16");
        var u32 = b.U32("u32");
        var s32 = b.S32("s32");
        var u64 = b.U64("u64");
        var s64 = b.S64("s64");
        var flag = b.Bool("flag");
        var chars = b.Chars("chars", 8);
        var text = b.DynamicString("text");
        var ev = session.Define("t", "all_types", new EventClass("all", b.Build(),
            "{u8} {s8} {u16} {s16} {u32} {s32} {u64} {s64} {flag} {chars} {text} {u64:x} {s8:x}"));
        ev.IsEnabled = true;

        CurrentTask.Set(3, 4242, "writer");
        try
        {
            var w = ev.Reserve(TraceEvent.SizeOf("/var/log/päth"));
            Assert.True(w.IsReserved);
            w.Set(u8, 255);
            w.Set(s8, -128);
            w.Set(u16, 65535);
            w.Set(s16, -32768);
            w.Set(u32, uint.MaxValue);
            w.Set(s32, int.MinValue);
            w.Set(u64, ulong.MaxValue);
            w.Set(s64, long.MinValue);
            w.Set(flag, true);
            w.Set(chars, "truncated-here");
            w.Set(text, "/var/log/päth");
            w.Commit();
        }
        finally
        {
            CurrentTask.Clear();
        }

        var record = Assert.Single(new TraceReader(session).Read(consume: true));
        Assert.Equal(ev.Id, record.EventId);
        Assert.Equal(4242, record.Pid);
        Assert.Equal(3, record.Cpu);
        Assert.Equal(
            "255 -128 65535 -32768 4294967295 -2147483648 18446744073709551615 -9223372036854775808 1 truncat /var/log/päth ffffffffffffffff 80",
            ev.Class.Print.Render(record.Data));
        Assert.Equal("/var/log/päth", RecordValues.ReadString(record.Data, text));
        Assert.Equal(-128, RecordValues.ReadInt64(record.Data, s8));
    }

    [Theory]
    [InlineData("kworker/0:1", "kworker/0:1")]
    [InlineData("kwörker/0:1", "kwörker/0:1")]       // ASCII, then UTF-8 from the first other character
    [InlineData("ööööööööö", "ööööööö")]            // 7 x 2 bytes fill 15; the 8th does not fit and is not cut in half
    [InlineData("abcdefghijklmnö", "abcdefghijklmn")] // 14 + a 2-byte character: stops at 14, never half a character
    [InlineData("😀 emoji", "😀 emoji")]               // a surrogate pair first
    [InlineData("", "")]
    public void Set_TextIntoCharField_IsUtf8CutAtWholeCharacters(string value, string expected)
    {
        var session = new TraceSession();
        var b = new EventLayoutBuilder();
        var comm = b.Chars("comm", 16);
        var ev = session.Define("t", "chars", new EventClass("chars", b.Build(), "{comm}"));
        ev.IsEnabled = true;

        var w = ev.Reserve();
        w.Set(comm, "a longer old value"); // written over: nothing of it may remain
        w.Set(comm, value);
        w.Commit();

        var record = Assert.Single(new TraceReader(session).Read(consume: true));
        Assert.Equal(expected, RecordValues.ReadString(record.Data, comm));
        Assert.All(record.Data.AsSpan(comm.Offset + System.Text.Encoding.UTF8.GetByteCount(expected), comm.Size - System.Text.Encoding.UTF8.GetByteCount(expected)).ToArray(), x => Assert.Equal(0, x));
    }

    [Fact]
    public void Reserve_DisabledEventOrTracingOff_WritesNothing()
    {
        var session = new TraceSession();
        var b = new EventLayoutBuilder();
        var x = b.S32("x");
        var ev = session.Define("t", "e", new EventClass("e", b.Build(), "x={x}"));
        Assert.False(ev.Reserve().IsReserved);
        ev.IsEnabled = true;
        session.TracingOn = false;
        Assert.False(ev.Reserve().IsReserved);
        Assert.Empty(new TraceReader(session).Read(consume: true));
    }

    [Fact]
    public void Commit_FilterRejects_DiscardsAndCountsButTriggersOnlyOnKept()
    {
        var session = new TraceSession();
        var b = new EventLayoutBuilder();
        var pid = b.S32("pid");
        var ev = session.Define("t", "e", new EventClass("e", b.Build(), "pid={pid}"));
        ev.IsEnabled = true;
        ev.Filter = new PidFilter(7, pid);
        var trigger = new CountingTrigger();
        ev.AddTrigger(trigger);
        for (var i = 0; i < 10; i++)
        {
            var w = ev.Reserve();
            w.Set(pid, i % 5 == 0 ? 7 : 100 + i);
            w.Commit();
        }

        var records = new TraceReader(session).Read(consume: true);
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Equal(7, RecordValues.ReadInt64(r.Data, pid)));
        Assert.Equal(8, ev.FilteredOut);
        Assert.Equal(2, trigger.Count);
    }

    [Fact]
    public void Remove_Event_KeepsItsRecordsDecodable()
    {
        var session = new TraceSession();
        var b = new EventLayoutBuilder();
        var x = b.S32("x");
        var owner = new object();
        var ev = session.Define("t", "gone", new EventClass("e", b.Build(), "x={x}"), owner);
        ev.IsEnabled = true;
        var w = ev.Reserve();
        w.Set(x, 99);
        w.Commit();

        Assert.Single(session.RemoveOwnedBy(owner));
        Assert.Null(session.Find("t:gone"));
        Assert.False(ev.Reserve().IsReserved);
        var record = Assert.Single(new TraceReader(session).Read(consume: true));
        Assert.Same(ev, record.Event);
        Assert.Equal("x=99", record.Event!.Class.Print.Render(record.Data));
    }

    [Theory]
    [InlineData("sched:*", 2)]
    [InlineData("*:sched_switch", 1)]
    [InlineData("sched_wakeup", 1)]
    [InlineData("all", 3)]
    [InlineData("irq:*", 1)]
    [InlineData("nope:*", 0)]
    public void SetEnabled_Selectors_NameTheRightEvents(string selector, int count)
    {
        var session = new TraceSession();
        var layout = new EventLayoutBuilder().Build();
        session.Define("sched", "sched_switch", new EventClass("a", layout, "a"));
        session.Define("sched", "sched_wakeup", new EventClass("b", layout, "b"));
        session.Define("irq", "irq_handler_entry", new EventClass("c", layout, "c"));
        Assert.Equal(count, session.SetEnabled(selector, true));
        Assert.Equal(count, session.Events.Count(e => e.IsEnabled));
    }
}

public sealed class EventIdTests
{
    [Fact]
    public void DefineRemove_MoreTimesThanThereAreIds_ReusesForgottenIdsOnly()
    {
        var session = new TraceSession();
        var eventClass = new EventClass("c", new EventLayoutBuilder().Build(), "x");
        var first = session.Define("t", "e0", eventClass);
        session.Remove(first);
        for (var i = 1; i < 70_000; i++)
        {
            session.Remove(session.Define("t", "e" + i, eventClass));
        }

        // The newest removals still decode; the first was forgotten long ago and its id went back to the pool.
        Assert.Equal(TraceSession.RemovedEventsKept, Enumerable.Range(0, ushort.MaxValue).Count(id => session.FindById((ushort)id) is not null));
        Assert.NotSame(first, session.FindById(first.Id));
    }
}
