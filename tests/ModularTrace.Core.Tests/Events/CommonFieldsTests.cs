using System.Diagnostics;
using ModularTrace.Events;
using ModularTrace.Events.Filters;
using ModularTrace.Events.Triggers;
using ModularTrace.Output;
using ModularTrace.Tasks;

namespace ModularTrace.Core.Tests.Events;

/// <summary>Who wrote a record, in .NET terms: the OS thread, its name, the Activity's trace id.</summary>
public sealed class CommonFieldsTests
{
    [Fact]
    public void Reserve_UnderAW3CActivity_RecordsItsTraceIdAndTextShowsIt()
    {
        var (session, ev) = Define();
        string traceId;
        using (var activity = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            traceId = activity.TraceId.ToHexString();
            Write(ev, 1);
        }

        Write(ev, 2);

        var records = new TraceReader(session).Read(consume: true);
        Assert.Equal(traceId, records[0].TraceId?.ToHexString());
        Assert.Null(records[1].TraceId);
        Assert.EndsWith($"demo_event: value=1 trace_id={traceId}", TextTraceWriter.Format(records[0], session), StringComparison.Ordinal);
        Assert.EndsWith("demo_event: value=2", TextTraceWriter.Format(records[1], session), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reserve_AwaitedContinuationOnAnotherThread_KeepsTheTraceIdUnderItsOwnPid()
    {
        var (session, ev) = Define();
        var traceId = await Task.Run(() => RequestAsync(ev));

        var records = new TraceReader(session).Read(consume: true).OrderBy(r => r.Timestamp).ToList();
        Assert.Equal(2, records.Count);
        Assert.NotSame(records[0].Buffer, records[1].Buffer);
        Assert.NotEqual(records[0].Pid, records[1].Pid);
        Assert.Equal("io-completion", TaskNames.Lookup(records[1].Pid));
        Assert.All(records, r => Assert.Equal(traceId, r.TraceId?.ToHexString()));
    }

    // A request that records, awaits I/O that completes on a thread of its own, and records again there, as a request's
    // continuation runs on whichever thread finished its I/O; the ExecutionContext carries Activity.Current along.
    private static async Task<string> RequestAsync(TraceEvent ev)
    {
        using var activity = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
        Write(ev, 1);
        await new CompletionOnNewThread("io-completion");
        Write(ev, 2);
        return activity.TraceId.ToHexString();
    }

    // Never complete when awaited: the continuation always runs on a new thread, so the test cannot pass by luck.
    private sealed class CompletionOnNewThread(string threadName) : System.Runtime.CompilerServices.INotifyCompletion
    {
        public bool IsCompleted => false;

        public CompletionOnNewThread GetAwaiter() => this;

        public void OnCompleted(Action continuation) => new Thread(() => continuation()) { Name = threadName }.Start();

        public void GetResult()
        {
        }
    }

    [Fact]
    public void Reserve_OneThreadTwoActivitiesInTurn_RecordsEachOnesOwnId()
    {
        var (session, ev) = Define();
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            using var activity = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
            ids.Add(activity.TraceId.ToHexString());
            Write(ev, i);
            Write(ev, i);
        }

        var records = new TraceReader(session).Read(consume: true);
        Assert.Equal([ids[0], ids[0], ids[1], ids[1]], records.Select(r => r.TraceId?.ToHexString()));
        Assert.NotEqual(ids[0], ids[1]);
    }

    [Fact]
    public void Reserve_UnderAHierarchicalActivity_RecordsNoTraceId()
    {
        var (session, ev) = Define();
        using (new Activity("legacy").SetIdFormat(ActivityIdFormat.Hierarchical).Start())
        {
            Write(ev, 1);
        }

        Assert.Null(Assert.Single(new TraceReader(session).Read(consume: true)).TraceId);
    }

    [Fact]
    public void Reserve_UnderAnActivity_AllocatesNothing()
    {
        var (session, ev) = Define();
        using var activity = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
        Write(ev, 0); // the first record of a thread makes its state and parses the id once

        var allocated = Allocations.Least(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                Write(ev, i);
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(1 + (1000 * Allocations.Runs), new TraceReader(session).Read(consume: true).Count);
    }

    [SkippableFact]
    public void Reserve_PlainThread_PidIsTheOsThreadIdAndCommItsName()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "reads the thread's id from /proc/thread-self, which only Linux has");
        var (session, ev) = Define();
        var osTid = 0;
        var thread = new Thread(() =>
        {
            // /proc/thread-self links to "<pid>/task/<tid>": the kernel's own word, not our P/Invoke's.
            var target = new FileInfo("/proc/thread-self").LinkTarget!;
            osTid = int.Parse(target[(target.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            Write(ev, 7);
        })
        { Name = "orders-worker" };
        thread.Start();
        thread.Join();

        var record = Assert.Single(new TraceReader(session).Read(consume: true));
        Assert.Equal(osTid, record.Pid);
        Assert.NotEqual(thread.ManagedThreadId, record.Pid);
        Assert.Equal("orders-worker", TaskNames.Lookup(record.Pid));
        Assert.StartsWith($"   orders-worker-{osTid}", TextTraceWriter.Format(record, session), StringComparison.Ordinal);
    }

    [Fact]
    public void Reserve_SimulatedTask_KeepsItsOwnPidAndComm()
    {
        var (session, ev) = Define();
        CurrentTask.Set(3, 4242, "kworker/3:1");
        try
        {
            Write(ev, 1);
        }
        finally
        {
            CurrentTask.Clear();
        }

        var record = Assert.Single(new TraceReader(session).Read(consume: true));
        Assert.Equal((4242, 3), (record.Pid, record.Cpu));
        Assert.Equal("kworker/3:1", TaskNames.Lookup(4242));
    }

    [Fact]
    public void FormatFile_AnyEvent_DeclaresTheTraceIdAsACommonU8Array()
    {
        var (_, ev) = Define();

        var format = FormatFile.Render(ev);

        Assert.Contains("\tfield:u8 common_trace_id[16];\toffset:12;\tsize:16;\tsigned:0;\n\n", format, StringComparison.Ordinal);
        Assert.Equal(EventLayout.CommonSize, ev.Class.Layout["value"].Offset);
    }

    // The trace id compares as the text every output shows it as, with a char array's rules (== != ~, quoted).
    [Theory]
    [InlineData("common_trace_id == \"{id}\"", true, false)]
    [InlineData("common_trace_id == \"{ID}\"", true, false)]
    [InlineData("common_trace_id != \"{id}\"", false, true)]
    [InlineData("common_trace_id == \"00000000000000000000000000000000\"", false, true)]
    [InlineData("common_trace_id ~ \"{head}*\"", true, false)]
    [InlineData("common_trace_id ~ \"*{tail}\"", true, false)]
    [InlineData("common_trace_id ~ \"0000*\"", false, true)]
    [InlineData("common_trace_id == \"{id}\" && value == 1", true, false)]
    [InlineData("common_trace_id == \"{id}\" || value == 2", true, true)]
    public void Filter_OnTheTraceId_MatchesTheRecordsOfThatActivity(string filter, bool withActivity, bool without)
    {
        var (session, ev) = Define();
        string traceId;
        using (var activity = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            traceId = activity.TraceId.ToHexString();
        }

        var text = filter.Replace("{id}", traceId, StringComparison.Ordinal).Replace("{ID}", traceId.ToUpperInvariant(), StringComparison.Ordinal)
            .Replace("{head}", traceId[..8], StringComparison.Ordinal).Replace("{tail}", traceId[^8..], StringComparison.Ordinal);
        var parsed = EventFilterParser.Parse(text, ev.Class.Layout);
        Assert.True(parsed.IsSuccess, parsed.Error?.ToString());
        Assert.Equal(text, parsed.Value!.Text);

        ev.Filter = parsed.Value;
        using (new Activity("request").SetParentId(ActivityTraceId.CreateFromString(traceId), ActivitySpanId.CreateRandom()).SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            Write(ev, 1);
        }

        Write(ev, 2);

        var values = new TraceReader(session).Read(consume: true).Select(r => RecordValues.ReadInt64(r.Data, ev.Class.Layout["value"])).ToList();
        Assert.Equal(withActivity, values.Contains(1));
        Assert.Equal(without, values.Contains(2));
    }

    [Theory]
    [InlineData("common_trace_id == 0", FilterErrors.ExpectString, "quote the value")]
    [InlineData("common_trace_id < \"4bf92f3577b34da6a3ce929d0e0e4736\"", FilterErrors.IllegalFieldOp, "does not compare text")]
    [InlineData("common_trace_id == \"4bf92f35\"", FilterErrors.InvalidValue, "32 hex digits")]
    [InlineData("common_trace_id == \"4bf92f3577b34da6a3ce929d0e0e473g\"", FilterErrors.InvalidValue, "32 hex digits")]
    [InlineData("common_trace_id == 4bf9", FilterErrors.ExpectString, "quote the value, common_trace_id == \"4bf9\"")]
    [InlineData("common_trace_id == bf92", FilterErrors.InvalidValue, "quote the text: common_trace_id == \"bf92\"")]
    public void Filter_OnTheTraceId_NotAQuotedTraceId_IsRefusedAsTextIs(string filter, string error, string hint)
    {
        var (_, ev) = Define();

        var result = EventFilterParser.Parse(filter, ev.Class.Layout);

        Assert.False(result.IsSuccess);
        Assert.Equal(error, result.Error!.Message);
        Assert.Contains(hint, result.Error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void HistTrigger_KeyedByTheTraceId_IsRefusedNamingItsType()
    {
        var (session, ev) = Define();

        var result = EventTriggerParser.Parse("hist:keys=common_trace_id", ev, session);

        Assert.False(result.IsSuccess);
        Assert.Equal("Keys and values must be numbers or text: 'common_trace_id' is u8 common_trace_id[16]", result.Error!.Message);
    }

    private static (TraceSession Session, TraceEvent Event) Define()
    {
        var session = new TraceSession();
        var b = new EventLayoutBuilder();
        b.S32("value");
        var ev = session.Define("demo", "demo_event", new EventClass("demo", b.Build(), "value={value}"));
        ev.IsEnabled = true;
        return (session, ev);
    }

    private static void Write(TraceEvent ev, int value)
    {
        var w = ev.Reserve();
        w.Set(ev.Class.Layout["value"], value);
        w.Commit();
    }
}
