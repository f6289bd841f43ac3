using ModularTrace.Events;

namespace ModularTrace.Core.Tests.Events;

public sealed class ErrorLogTests
{
    private sealed class ManualTime : TimeProvider
    {
        public long Ticks { get; set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Ticks;
    }

    [Fact]
    public void Render_TwoEntries_MatchesTheKernelFormatExactly()
    {
        var time = new ManualTime { Ticks = 5_000_000 };
        var log = new ErrorLog(time);
        time.Ticks += (123 * TimeSpan.TicksPerSecond) + 4_567_890; // 123.456789 s after the log was made
        log.Add(new CommandError("trace_kprobe", "p:foo/bar.1 vfs_read", 4, "Invalid event name"));
        time.Ticks += 100_000 * TimeSpan.TicksPerSecond;
        log.Add(new CommandError("event filter parse error", "prev_pid ~ 1", 9, "Illegal operation for field type"));

        Assert.Equal(
            "[  123.456789] trace_kprobe: error: Invalid event name\n" +
            "  Command: p:foo/bar.1 vfs_read\n" +
            "               ^\n" +
            "[100123.456789] event filter parse error: error: Illegal operation for field type\n" +
            "  Command: prev_pid ~ 1\n" +
            "                    ^\n",
            log.Render());
    }

    [Fact]
    public void Add_MoreThanCapacity_KeepsTheNewest()
    {
        var log = new ErrorLog();
        for (var i = 0; i < ErrorLog.Capacity + 5; i++)
        {
            log.Add(new CommandError("t", "cmd" + i, 0, "e"));
        }

        Assert.Equal(ErrorLog.Capacity, log.Count);
        Assert.Equal("cmd5", log.Entries[0].Command);
        Assert.Equal("cmd20", log.Entries[^1].Command);
        log.Clear();
        Assert.Equal("", log.Render());
    }
}
