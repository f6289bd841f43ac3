using ModularTrace.Events;
using ModularTrace.Events.Triggers;

namespace ModularTrace.Core.Tests.Events.Triggers;

public sealed class HistTriggerTests
{
    private readonly TraceSession _session = new(new TraceOptions { Overwrite = true, Clock = TraceClock.Counter });
    private readonly TraceEvent _alloc;
    private readonly EventField _pid;
    private readonly EventField _comm;
    private readonly EventField _bytes;
    private readonly EventField _callSite;
    private readonly EventField _file;

    public HistTriggerTests()
    {
        var b = new EventLayoutBuilder();
        _pid = b.S32("pid");
        _comm = b.Chars("comm", 16);
        _bytes = b.U64("bytes");
        _callSite = b.U64("call_site");
        _file = b.DynamicString("file");
        _alloc = _session.Define("kmem", "alloc", new EventClass("alloc", b.Build(), "pid={pid} bytes={bytes}"));
        _alloc.IsEnabled = true;
    }

    [Fact]
    public void Render_KeysValuesAndSort_InTheKernelsHistFileShape()
    {
        var hist = Attach("hist:keys=comm,call_site.hex:vals=bytes:sort=bytes.descending");
        Write(1, "bash", 100, 0xffffffff81000010);
        Write(1, "bash", 50, 0xffffffff81000010);
        Write(2, "sshd", 10, 0x20);
        Write(1, "bash", 1000, 0x30);

        Assert.Equal(
            "# event histogram\n" +
            "#\n" +
            "# trigger info: hist:keys=comm,call_site.hex:vals=hitcount,bytes:sort=bytes.descending:size=2048 [active]\n" +
            "#\n" +
            "\n" +
            $"{{ comm: {"bash",-50}, call_site: 30 }} hitcount:          1  bytes:       1000\n" +
            $"{{ comm: {"bash",-50}, call_site: ffffffff81000010 }} hitcount:          2  bytes:        150\n" +
            $"{{ comm: {"sshd",-50}, call_site: 20 }} hitcount:          1  bytes:         10\n" +
            "\n" +
            "Totals:\n" +
            "    Hits: 4\n" +
            "    Entries: 3\n" +
            "    Dropped: 0\n",
            hist.Render());
        Assert.Equal(hist.Render(), HistTrigger.RenderHistFile(_alloc));
    }

    [Fact]
    public void Render_DefaultSort_IsHitcountAscendingAndSignedKeysPrintAsU64()
    {
        var hist = Attach("hist:keys=pid");
        foreach (var pid in new[] { 7, 7, 7, -1, 3, 3 })
        {
            Write(pid, "x", 1, 0);
        }

        var lines = hist.Render().Split('\n');
        Assert.Equal("{ pid: 18446744073709551615 } hitcount:          1", lines[5]);
        Assert.Equal("{ pid:          3 } hitcount:          2", lines[6]);
        Assert.Equal("{ pid:          7 } hitcount:          3", lines[7]);
        Assert.Equal("", lines[8]);
    }

    [Fact]
    public void Render_SortBySignedKeyAndDynamicStringKey_OrdersByValue()
    {
        var hist = Attach("hist:keys=pid,file:sort=pid");
        Write(5, "x", 1, 0, "/etc/passwd");
        Write(-2, "x", 1, 0, "/tmp/a");
        Write(3, "x", 1, 0, "/etc/passwd");
        Write(5, "x", 1, 0, "/etc/passwd");

        var entries = hist.Render().Split('\n').Where(line => line.StartsWith('{')).ToArray();
        Assert.Equal(
        [
            $"{{ pid: 18446744073709551614, file: {"/tmp/a",-50} }} hitcount:          1",
            $"{{ pid:          3, file: {"/etc/passwd",-50} }} hitcount:          1",
            $"{{ pid:          5, file: {"/etc/passwd",-50} }} hitcount:          2",
        ],
        entries);
    }

    [Fact]
    public void Fire_MoreKeysThanSize_InsertsSizeAndCountsTheRestAsDropped()
    {
        var hist = Attach("hist:keys=pid:size=128");
        for (var round = 0; round < 2; round++)
        {
            for (var pid = 0; pid < 200; pid++)
            {
                Write(pid, "x", 1, 0);
            }
        }

        Assert.Equal(128, hist.Size);
        Assert.Equal(128, hist.Entries);
        Assert.Equal(256, hist.Hits);
        Assert.Equal(144, hist.Dropped);
        Assert.EndsWith("\nTotals:\n    Hits: 256\n    Entries: 128\n    Dropped: 144\n", hist.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public void Fire_IfCondition_CountsOnlyMatchingRecords()
    {
        var hist = Attach("hist:keys=comm if bytes >= 100");
        Write(1, "a", 99, 0);
        Write(1, "a", 100, 0);
        Write(1, "b", 1000, 0);
        Assert.Equal(2, hist.Hits);
        Assert.Equal(2, hist.Entries);
        Assert.Contains(" if bytes >= 100 [active]", hist.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public void Fire_FourConcurrentWriters_HitcountsAreExact()
    {
        var hist = Attach("hist:keys=pid:vals=bytes");
        const int Threads = 4, PerThread = 20_000, Keys = 17;
        using var start = new Barrier(Threads);
        var writers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < PerThread; i++)
            {
                Write(i % Keys, "w", (ulong)t + 1, 0);
            }
        })).ToArray();
        foreach (var writer in writers)
        {
            writer.Start();
        }

        foreach (var writer in writers)
        {
            writer.Join();
        }

        Assert.Equal(Threads * PerThread, hist.Hits);
        Assert.Equal(Keys, hist.Entries);
        Assert.Equal(0, hist.Dropped);
        var lines = hist.Render().Split('\n').Where(line => line.StartsWith('{')).ToArray();
        Assert.Equal(Keys, lines.Length);
        for (var key = 0; key < Keys; key++)
        {
            // Keys 0..(PerThread % Keys)-1 get one more hit per thread than the others.
            var hits = Threads * ((PerThread / Keys) + (key < PerThread % Keys ? 1 : 0));
            var bytes = hits / Threads * (1 + 2 + 3 + 4);
            Assert.Contains($"{{ pid: {key,10} }} hitcount: {hits,10}  bytes: {bytes,10}", lines);
        }
    }

    [Fact]
    public void Fire_KnownKeys_AllocatesNothing()
    {
        var hist = (HistTrigger)EventTriggerParser.Parse("hist:keys=comm,pid:vals=bytes if bytes > 0", _alloc, _session).Value!;
        var records = Enumerable.Range(0, 4)
            .Select(i => new TestRecord(_alloc.Class.Layout).Set("pid", i).Set("comm", "task" + i).Set("bytes", 10).Build())
            .ToArray();
        foreach (var record in records)
        {
            hist.Fire(_alloc, record);
        }

        var allocated = Allocations.Least(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                hist.Fire(_alloc, records[i % records.Length]);
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(4 + (10_000 * Allocations.Runs), hist.Hits);
    }

    private HistTrigger Attach(string text)
    {
        var result = EventTriggerParser.Parse(text, _alloc, _session);
        Assert.True(result.IsSuccess, result.Error?.ToString());
        var hist = Assert.IsType<HistTrigger>(result.Value);
        _alloc.AddTrigger(hist);
        return hist;
    }

    private void Write(int pid, string comm, ulong bytes, ulong callSite, string file = "")
    {
        var w = _alloc.Reserve(TraceEvent.SizeOf(file));
        Assert.True(w.IsReserved);
        w.Set(_pid, pid);
        w.Set(_comm, comm);
        w.Set(_bytes, bytes);
        w.Set(_callSite, callSite);
        w.Set(_file, file);
        w.Commit();
    }
}
