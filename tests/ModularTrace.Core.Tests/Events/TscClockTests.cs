using Stopwatch = System.Diagnostics.Stopwatch;
using System.Runtime.InteropServices;
using ModularTrace.Events;
using ModularTrace.Output;

namespace ModularTrace.Core.Tests.Events;

/// <summary>
/// The TSC trace clock (issue #23): where it is offered, that its readings agree with CLOCK_MONOTONIC, and the
/// fallback where the CPU or the kernel does not allow it.
/// </summary>
public sealed class TscClockTests
{
    private const string InvariantFlags = "processor\t: 0\nflags\t\t: fpu tsc msr rdtscp constant_tsc nonstop_tsc tsc_known_freq\n\nprocessor\t: 1\n";

    // The machine's own answer, read independently of TscClock, so the availability test below can fail.
    private static bool MachineOffersTsc =>
        RuntimeInformation.ProcessArchitecture == Architecture.X64 && OperatingSystem.IsLinux()
        && File.ReadAllText("/proc/cpuinfo") is var cpuInfo && cpuInfo.Contains(" constant_tsc", StringComparison.Ordinal) && cpuInfo.Contains(" nonstop_tsc", StringComparison.Ordinal)
        && File.ReadAllText("/sys/devices/system/clocksource/clocksource0/current_clocksource").Trim() == "tsc";

    [Fact]
    public void CheckPlatform_InvariantCounterAndTscClocksource_Passes()
    {
        Assert.Null(TscClock.CheckPlatform(Architecture.X64, isLinux: true, InvariantFlags, "tsc\n"));
    }

    [Theory]
    [InlineData(Architecture.Arm64, true, InvariantFlags, "tsc", "x64 only; this process is arm64")]
    [InlineData(Architecture.X64, false, InvariantFlags, "tsc", "Linux only")]
    [InlineData(Architecture.X64, true, null, "tsc", "cannot read /proc/cpuinfo")]
    [InlineData(Architecture.X64, true, "flags\t: fpu tsc constant_tsc\n", "tsc", "not invariant (/proc/cpuinfo lacks nonstop_tsc)")]
    [InlineData(Architecture.X64, true, "flags\t: fpu tsc\n", "tsc", "lacks constant_tsc and nonstop_tsc")]
    [InlineData(Architecture.X64, true, "model name\t: no flags line\n", "tsc", "lacks constant_tsc and nonstop_tsc")]
    [InlineData(Architecture.X64, true, InvariantFlags, "kvm-clock\n", "clocksource is kvm-clock, not tsc")]
    [InlineData(Architecture.X64, true, InvariantFlags, "hpet", "clocksource is hpet, not tsc")]
    [InlineData(Architecture.X64, true, InvariantFlags, null, "cannot read the kernel's clocksource")]
    public void CheckPlatform_AnyConditionMissing_SaysWhich(Architecture architecture, bool isLinux, string? cpuInfo, string? clocksource, string reason)
    {
        var result = TscClock.CheckPlatform(architecture, isLinux, cpuInfo, clocksource);

        Assert.NotNull(result);
        Assert.Contains(reason, result, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckPlatform_FlagAsPartOfAnotherWord_DoesNotCount()
    {
        // "constant_tsc_x" and "xnonstop_tsc" are other flags: only whole words count.
        var result = TscClock.CheckPlatform(Architecture.X64, true, "flags\t: constant_tsc_x xnonstop_tsc\n", "tsc");

        Assert.Contains("lacks constant_tsc and nonstop_tsc", result, StringComparison.Ordinal);
    }

    [Fact]
    public void IsAvailable_ThisMachine_MatchesItsCpuFlagsAndClocksource()
    {
        if (MachineOffersTsc)
        {
            Assert.True(TscClock.IsAvailable, $"the machine offers an invariant TSC but the clock says: {TscClock.UnavailableReason}");
            Assert.True(TscClock.Read() > 0);
        }
        else
        {
            Assert.False(TscClock.IsAvailable);
            Assert.NotNull(TscClock.UnavailableReason);
            var error = Assert.Throws<PlatformNotSupportedException>(() => TscClock.Read());
            Assert.Contains(TscClock.UnavailableReason, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Code_ItsPage_IsReadAndExecuteNeverWritableAndHoldsOnlyTheTenBytes()
    {
        if (!TscClock.IsAvailable)
        {
            Assert.False(MachineOffersTsc, TscClock.UnavailableReason);
            Assert.Equal(0, TscClock.CodeAddress);
            return;
        }

        // SECURITY.md: the page is made executable only after the bytes are in it, and is never writable again.
        var address = (ulong)TscClock.CodeAddress;
        var mapping = File.ReadLines("/proc/self/maps").Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Single(fields => fields[0].Split('-') is var range
                && Convert.ToUInt64(range[0], 16) <= address && address < Convert.ToUInt64(range[1], 16));
        Assert.Equal("r-xp", mapping[1]);
        var inMemory = new byte[TscClock.Code.Length];
        Marshal.Copy(TscClock.CodeAddress, inMemory, 0, inMemory.Length);
        Assert.Equal(TscClock.Code.ToArray(), inMemory);
        Assert.Equal(new byte[] { 0x0F, 0x31, 0x48, 0xC1, 0xE2, 0x20, 0x48, 0x09, 0xD0, 0xC3 }, TscClock.Code.ToArray()); // rdtsc; shl rdx,32; or rax,rdx; ret
    }

    [Fact]
    public async Task Read_EachOfFourThreads_NeverGoesBackAndThreadsAgreeOnOrder()
    {
        if (!TscClock.IsAvailable)
        {
            Assert.False(MachineOffersTsc, TscClock.UnavailableReason); // the fallback is right here: nothing to read
            return;
        }


        // Each thread's readings never decrease; a reading taken after another thread finished is later than all of
        // that thread's (an invariant TSC is synchronized across CPUs; the kernel checks it before choosing tsc).
        var last = 0L;
        for (var round = 0; round < 4; round++)
        {
            var floor = last;
            last = await Task.Factory.StartNew(() =>
            {
                var previous = TscClock.Read();
                Assert.True(previous >= floor, $"reading {previous} on a new thread is before {floor}, read earlier on another");
                for (var i = 0; i < 200_000; i++)
                {
                    var now = TscClock.Read();
                    Assert.True(now >= previous, $"the counter went back from {previous} to {now}");
                    previous = now;
                }

                return previous;
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
    }

    [Fact]
    public async Task Calibration_OverTheRun_ConvertsLaterReadingsWithinMicrosecondsOfTheMonotonicClock()
    {
        if (!TscClock.IsAvailable)
        {
            Assert.False(MachineOffersTsc, TscClock.UnavailableReason); // the fallback is right here: nothing to read
            return;
        }

        var session = new TraceSession(new TraceOptions { Clock = TraceClock.Tsc });
        await Task.Delay(100);
        var calibration = session.CalibrateClock()!;

        // 200 ms after the calibration's end: its frequency error is all that can move a conversion away from
        // CLOCK_MONOTONIC. 20 us over 200 ms is 100 ppm, ten times what a 100 ms baseline gives on a quiet machine.
        await Task.Delay(200);
        var worst = 0L;
        for (var i = 0; i < 20; i++)
        {
            var (ticks, nanoseconds) = TscClock.ReadPair();
            worst = Math.Max(worst, Math.Abs(calibration.ToNanoseconds(ticks) - nanoseconds));
        }

        Assert.InRange(calibration.BaselineNanoseconds, 90_000_000, 10_000_000_000); // Task.Delay may end a little early
        Assert.InRange(calibration.Frequency, 100_000_000, 10_000_000_000); // 0.1 to 10 GHz
        Assert.True(worst < 20_000, $"a TSC reading converted {worst} ns away from CLOCK_MONOTONIC (freq {calibration.Frequency} Hz)");
    }

    [Fact]
    public void CalibrateClock_YoungSession_WaitsForTheShortestBaseline()
    {
        if (!TscClock.IsAvailable)
        {
            Assert.False(MachineOffersTsc, TscClock.UnavailableReason); // the fallback is right here: nothing to read
            return;
        }

        var session = new TraceSession(new TraceOptions { Clock = TraceClock.Tsc });

        var calibration = session.Calibration!;

        Assert.True(calibration.BaselineNanoseconds >= TraceSession.MinCalibrationBaseline.Ticks * 100, $"baseline {calibration.BaselineNanoseconds} ns");
        Assert.Same(calibration, session.Calibration); // kept until the next CalibrateClock
        Assert.Equal(calibration.Frequency, session.ClockFrequency);
    }

    [Fact]
    public void Record_TscClock_TakesItsTimestampFromTheCounterAndTheTextShowsMonotonicSeconds()
    {
        if (!TscClock.IsAvailable)
        {
            Assert.False(MachineOffersTsc, TscClock.UnavailableReason); // the fallback is right here: nothing to read
            return;
        }

        var session = new TraceSession(new TraceOptions { Clock = TraceClock.Tsc });
        var layout = new EventLayoutBuilder();
        var value = layout.S32("value");
        var ev = session.Define("test", "tick", new EventClass("tick", layout.Build(), "value={value}"));
        ev.IsEnabled = true;

        var before = TscClock.Read();
        var monoBefore = Stopwatch.GetTimestamp();
        var w = ev.Reserve();
        w.Set(value, 7);
        w.Commit();
        var after = TscClock.Read();
        var monoAfter = Stopwatch.GetTimestamp();

        var record = Assert.Single(new TraceReader(session).Read(consume: true));
        Assert.InRange(record.Timestamp, before, after);
        var header = TextTraceWriter.Header(session, 1, 1, []);
        Assert.Contains("# trace_clock: tsc\n", header, StringComparison.Ordinal);
        Assert.Matches(@"# tsc_calibration: freq=\d+ Hz tsc=\d+ mono_ns=\d+ baseline_ns=\d+\n", header);
        // Seconds.microseconds of CLOCK_MONOTONIC, as the mono clock shows them: between the Stopwatch readings around
        // the record, give or take 20 us (the microsecond shown, and the calibration's error over its 10 ms baseline).
        var shown = double.Parse(TextTraceWriter.FormatTimestamp(record.Timestamp, session), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(shown, (monoBefore / (double)Stopwatch.Frequency) - 20e-6, (monoAfter / (double)Stopwatch.Frequency) + 20e-6);
    }

    [Fact]
    public void Session_TscUnavailable_UsesMonoAndSaysWhyInTheHeader()
    {
        var session = new TraceSession(new TraceOptions { Clock = TraceClock.Tsc }, "clocksource is kvm-clock, not tsc");

        Assert.Equal(TraceClock.Mono, session.Options.Clock);
        Assert.Equal("trace clock tsc unavailable (clocksource is kvm-clock, not tsc): using mono", session.ClockNote);
        Assert.Null(session.Calibration);
        Assert.Null(session.CalibrateClock());
        var header = TextTraceWriter.Header(session, 0, 0, []);
        Assert.Contains("# trace_clock: mono\n# note: trace clock tsc unavailable (clocksource is kvm-clock, not tsc): using mono\n", header, StringComparison.Ordinal);
        Assert.DoesNotContain("tsc_calibration", header, StringComparison.Ordinal);
    }

    [Fact]
    public void Session_OtherClocks_HaveNoNoteAndNoCalibration()
    {
        foreach (var clock in new[] { TraceClock.Mono, TraceClock.Counter, TraceClock.Coarse })
        {
            var session = new TraceSession(new TraceOptions { Clock = clock }, "reason that must not matter");
            Assert.Null(session.ClockNote);
            Assert.Null(session.Calibration);
            Assert.Equal(clock, session.Options.Clock);
        }
    }

    [Fact]
    public void TscCalibration_TwoReadings_GiveTheRoundedSlopeAndConvertOnIt()
    {
        // 2,596,149,914.4 ticks per second over a second: rounded to whole hertz.
        var calibration = new TscCalibration(1_000_000_000_000, 500_000_000_000, 1_002_596_149_914, 501_000_000_000);

        Assert.Equal(2_596_149_914, calibration.Frequency);
        Assert.Equal(1_000_000_000, calibration.BaselineNanoseconds);
        Assert.Equal(500_000_000_000, calibration.ToNanoseconds(1_000_000_000_000));
        Assert.Equal(500_500_000_000, calibration.ToNanoseconds(1_000_000_000_000 + 1_298_074_957));
        Assert.Equal(499_000_000_000, calibration.ToNanoseconds(1_000_000_000_000 - 2_596_149_914));
        Assert.Equal("freq=2596149914 Hz tsc=1000000000000 mono_ns=500000000000 baseline_ns=1000000000", calibration.ToString());
    }

    [Theory]
    [InlineData(3_435_213_752_152L, 1_323_100_816_813L, 2_596_149_850L)] // the counter ahead of the monotonic clock (this VM)
    [InlineData(1_000_000L, 5_000_000_000_000L, 1_000_000_000L)]        // far behind it: a positive offset
    [InlineData(2_000_000_000L, 1_000_000_000L, 2_000_000_000L)]        // exactly on it: offset zero
    public void CtfOffset_AnyReading_MapsEveryValueOntoItsMonotonicTime(long startTicks, long startNanoseconds, long frequency)
    {
        var calibration = new TscCalibration(startTicks, startNanoseconds, startTicks + frequency, startNanoseconds + 1_000_000_000);
        var (seconds, cycles) = calibration.CtfOffset();

        Assert.InRange(cycles, 0, calibration.Frequency - 1);
        foreach (var value in new[] { startTicks, startTicks + 12_345_678, startTicks + (7 * frequency) })
        {
            // What babeltrace2 computes: offset_s + (offset + value) / freq.
            var ctf = ((Int128)seconds * 1_000_000_000) + (((Int128)cycles + value) * 1_000_000_000 / calibration.Frequency);
            Assert.InRange((long)(ctf - calibration.ToNanoseconds(value)), -1, 1);
        }
    }

    [Fact]
    public void TscCalibration_ReadingsNotInOrder_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => new TscCalibration(100, 100, 100, 200));
        Assert.Throws<ArgumentException>(() => new TscCalibration(100, 100, 200, 100));
        Assert.Throws<ArgumentException>(() => new TscCalibration(200, 100, 100, 200));
    }

    [Theory]
    [InlineData("mono", TraceClock.Mono)]
    [InlineData("counter", TraceClock.Counter)]
    [InlineData("coarse", TraceClock.Coarse)]
    [InlineData("tsc", TraceClock.Tsc)]
    [InlineData("TSC", TraceClock.Tsc)]
    public void TryParseClock_EachName_IsItsClock(string name, TraceClock clock)
    {
        Assert.True(TraceSession.TryParseClock(name, out var parsed));
        Assert.Equal(clock, parsed);
        Assert.Equal(name.ToLowerInvariant(), TraceSession.ClockName(parsed));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("local")]
    [InlineData("tsc ")]
    [InlineData("3")]
    public void TryParseClock_OtherText_IsRefused(string? name)
    {
        Assert.False(TraceSession.TryParseClock(name, out _));
    }
}
