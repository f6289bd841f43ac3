using ModularTrace.Events;
using ModularTrace.Output;

namespace ModularTrace.Core.Tests.Events;

public sealed class TraceClockTests
{
    [Theory]
    [InlineData(TraceClock.Mono, "mono")]
    [InlineData(TraceClock.Counter, "counter")]
    [InlineData(TraceClock.Coarse, "coarse")]
    public void Header_EachClock_NamesItInTraceClockLine(TraceClock clock, string name)
    {
        var session = new TraceSession(new TraceOptions { Clock = clock });

        var header = TextTraceWriter.Header(session, 0, 0, []);

        Assert.Contains($"# trace_clock: {name}\n", header, StringComparison.Ordinal);
        Assert.Equal(name, TraceSession.ClockName(clock));
    }

    [Fact]
    public void ClockFrequency_EachClock_IsTicksPerSecondOrZeroForTheCounter()
    {
        Assert.Equal(System.Diagnostics.Stopwatch.Frequency, new TraceSession(new TraceOptions { Clock = TraceClock.Mono }).ClockFrequency);
        Assert.Equal(1000, new TraceSession(new TraceOptions { Clock = TraceClock.Coarse }).ClockFrequency);
        Assert.Equal(0, new TraceSession(new TraceOptions { Clock = TraceClock.Counter }).ClockFrequency);
    }

    [Fact]
    public void Now_CoarseClock_IsMillisecondsSinceBootAndNeverGoesBack()
    {
        var session = new TraceSession(new TraceOptions { Clock = TraceClock.Coarse });

        var before = Environment.TickCount64;
        var first = session.Now();
        var second = session.Now();
        var after = Environment.TickCount64;

        Assert.InRange(first, before, after);
        Assert.InRange(second, first, after);
    }

    [Fact]
    public void Now_CounterClock_CountsOnePerCall()
    {
        var session = new TraceSession(new TraceOptions { Clock = TraceClock.Counter });

        Assert.Equal(1, session.Now());
        Assert.Equal(2, session.Now());
    }

    [Fact]
    public void FormatTimestamp_CoarseClock_ShowsSecondsWithMicroseconds()
    {
        var session = new TraceSession(new TraceOptions { Clock = TraceClock.Coarse });

        Assert.Equal("    1.234000", TextTraceWriter.FormatTimestamp(1234, session));
    }
}
