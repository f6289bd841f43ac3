using System.Globalization;
using System.Text.RegularExpressions;
using ModularTrace.Buffers;
using ModularTrace.Events;
using ModularTrace.Output;
using ModularTrace.Output.Ctf;

namespace ModularTrace.Ctf.Interop.Tests;

public sealed partial class BabeltraceTests : IDisposable
{
    private const string HostName = "interop-host";

    private static readonly Dictionary<string, string> s_env = new()
    {
        ["hostname"] = HostName,
        ["vermagic"] = "0.1 SMP mod_unload",
        ["modules"] = "sched vfs",
        ["taints"] = "0",
        ["trace_clock"] = "mono",
    };

    private readonly string _root = Directory.CreateTempSubdirectory("ctf-interop-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [SkippableFact]
    public void Babeltrace2_TwoThreadsEveryFieldType_PrintsEveryRecordWithTheValuesWritten()
    {
        var babeltrace = ExternalTool.Require("babeltrace2");
        const int PerThread = 10_500;
        var workload = new Workload(new TraceOptions { BufferSize = 8 << 20 });
        var expected = new List<ExpectedEvent>[2];
        var threads = Enumerable.Range(0, 2)
            .Select(cpu => new Thread(() => expected[cpu] = workload.Write(cpu, 5000 + cpu, PerThread)))
            .ToList();
        threads.ForEach(thread => thread.Start());
        threads.ForEach(thread => thread.Join());
        var records = new TraceReader(workload.Session).Read(consume: true);
        Assert.Equal(2 * PerThread, records.Count);
        Assert.All(workload.Session.Buffers, buffer => Assert.Equal(0, buffer.Lost));

        var dir = Path.Combine(_root, "trace");
        var summary = CtfWriter.Write(dir, workload.Session, records, s_env);
        Assert.Equal(2 * PerThread, summary.EventsWritten);
        Assert.Equal(2, summary.Streams);

        var result = ExternalTool.Run(babeltrace, dir);
        Assert.True(result.ExitCode == 0, $"babeltrace2 exited {result.ExitCode}: {result.StandardError}");
        Assert.Equal("", result.StandardError.Trim());
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2 * PerThread, lines.Length);
        var parsed = lines.Select(line => PrettyLine.TryParse(line) ?? throw new FormatException("not an event line: " + line)).ToList();
        for (var cpu = 0; cpu < 2; cpu++)
        {
            var cpuText = cpu.ToString(CultureInfo.InvariantCulture);
            var printed = parsed.Where(line => line.Fields["common_cpu"] == cpuText).ToList();
            Assert.Equal(expected[cpu].Count, printed.Count);
            for (var i = 0; i < printed.Count; i++)
            {
                var line = printed[i];
                var want = expected[cpu][i];
                Assert.True(want.Name == line.Name, $"cpu {cpu} record {i}: printed {line.Name}, wrote {want.Name}");
                Assert.Equal(HostName, line.Host);
                Assert.Equal(cpuText, line.Fields["cpu_id"]);
                Assert.Equal((5000 + cpu).ToString(CultureInfo.InvariantCulture), line.Fields["common_pid"]);
                var payload = line.Groups[^1];
                Assert.Equal(want.Fields.Keys.Order(StringComparer.Ordinal), payload.Keys.Order(StringComparer.Ordinal));
                foreach (var (name, value) in want.Fields)
                {
                    Assert.True(value == payload[name], $"cpu {cpu} record {i} ({want.Name}) field {name}: printed '{payload[name]}', wrote '{value}'");
                }
            }
        }
    }

    [SkippableTheory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Babeltrace2_LostEvents_WarnsWithTheExactDiscardedCount(bool overwrite, bool readMidway)
    {
        var babeltrace = ExternalTool.Require("babeltrace2");
        var workload = new Workload(new TraceOptions { BufferSize = 4096, Overwrite = overwrite });
        var reader = new TraceReader(workload.Session);
        var records = new List<TraceRecord>();
        if (readMidway)
        {
            workload.Write(cpu: 1, pid: 42, count: 20, eventMask: 0b00010);
            records.AddRange(reader.Read(consume: true));
        }

        workload.Write(cpu: 1, pid: 42, count: 3000, eventMask: 0b00010);
        records.AddRange(reader.Read(consume: true));
        var lost = workload.Session.Buffers[0].Lost;
        Assert.True(lost > 0, "the small buffer lost nothing");
        Assert.Equal(3000 + (readMidway ? 20 : 0), records.Count + lost);

        var dir = Path.Combine(_root, "trace");
        var summary = CtfWriter.Write(dir, workload.Session, records, s_env);
        Assert.Equal(lost, summary.EventsDiscarded);

        var result = ExternalTool.Run(babeltrace, dir);
        Assert.True(result.ExitCode == 0, $"babeltrace2 exited {result.ExitCode}: {result.StandardError}");
        Assert.Equal(records.Count, result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var warnings = DiscardedWarning().Matches(result.StandardError);
        var warning = Assert.Single(warnings);
        Assert.Equal(lost, long.Parse(warning.Groups["count"].Value, CultureInfo.InvariantCulture));
        Assert.Contains(Path.Combine(dir, "stream_0"), warning.Value, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Babeltrace2_CounterClock_ShowsTheCountsAsNanoseconds()
    {
        var babeltrace = ExternalTool.Require("babeltrace2");
        var workload = new Workload(new TraceOptions { Clock = TraceClock.Counter });
        workload.Write(cpu: 0, pid: 1, count: 50);
        var records = new TraceReader(workload.Session).Read(consume: true);
        var dir = Path.Combine(_root, "trace");
        CtfWriter.Write(dir, workload.Session, records, s_env);

        var result = ExternalTool.Run(babeltrace, "--clock-cycles", dir);

        Assert.True(result.ExitCode == 0, $"babeltrace2 exited {result.ExitCode}: {result.StandardError}");
        var stamps = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => PrettyLine.TryParse(line)!.Timestamp.Trim())
            .Select(text => long.Parse(text, CultureInfo.InvariantCulture));
        Assert.Equal(records.Select(record => record.Timestamp), stamps);
    }

    [SkippableFact]
    public void Babeltrace2_TscClock_ShowsTheMonotonicTimeTheTextShowsAndTheRawCycles()
    {
        var babeltrace = ExternalTool.Require("babeltrace2");
        // Where the counter is unavailable the session falls back to mono, and the same must hold for it.
        var workload = new Workload(new TraceOptions { Clock = TraceClock.Tsc });
        workload.Write(cpu: 0, pid: 1, count: 30);
        Thread.Sleep(20);
        workload.Write(cpu: 1, pid: 2, count: 30);
        var records = new TraceReader(workload.Session).Read(consume: true);
        var dir = Path.Combine(_root, "trace");
        CtfWriter.Write(dir, workload.Session, records, s_env);

        var seconds = ExternalTool.Run(babeltrace, "--clock-seconds", dir);
        var cycles = ExternalTool.Run(babeltrace, "--clock-cycles", dir);

        Assert.True(seconds.ExitCode == 0, $"babeltrace2 exited {seconds.ExitCode}: {seconds.StandardError}");
        Assert.True(cycles.ExitCode == 0, $"babeltrace2 exited {cycles.ExitCode}: {cycles.StandardError}");
        var sorted = records.OrderBy(record => record.Timestamp).ToList();
        var raw = cycles.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => long.Parse(PrettyLine.TryParse(line)!.Timestamp.Trim(), CultureInfo.InvariantCulture));
        Assert.Equal(sorted.Select(record => record.Timestamp), raw);
        // babeltrace2 applies freq and offset (the CTF clock class); we convert with the calibration: the same
        // nanosecond, give or take the rounding of each.
        var shown = seconds.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => decimal.Parse(PrettyLine.TryParse(line)!.Timestamp.Trim(), CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(sorted.Count, shown.Count);
        for (var i = 0; i < sorted.Count; i++)
        {
            var expected = workload.Session.ToNanoseconds(sorted[i].Timestamp)!.Value;
            Assert.InRange((long)(shown[i] * 1_000_000_000m) - expected, -2, 2);
        }

        // Monotonic time since boot, as the mono clock's: within a second of Stopwatch now (the trace is fresh).
        var now = System.Diagnostics.Stopwatch.GetTimestamp() / (decimal)System.Diagnostics.Stopwatch.Frequency;
        Assert.InRange(shown[^1], now - 1, now);
    }

    [SkippableFact]
    public void Babeltrace2_RecordsUnderAnActivity_PrintTheTraceIdInTheEventContext()
    {
        var babeltrace = ExternalTool.Require("babeltrace2");
        var workload = new Workload(new TraceOptions());
        workload.Write(cpu: 0, pid: 1, count: 2, eventMask: 0b00001);
        string traceId;
        using (var activity = new System.Diagnostics.Activity("request").SetIdFormat(System.Diagnostics.ActivityIdFormat.W3C).Start())
        {
            traceId = activity.TraceId.ToHexString();
            workload.Write(cpu: 0, pid: 1, count: 2, eventMask: 0b00001);
        }

        var records = new TraceReader(workload.Session).Read(consume: true);
        var dir = Path.Combine(_root, "trace");
        CtfWriter.Write(dir, workload.Session, records, s_env);

        var result = ExternalTool.Run(babeltrace, dir);

        Assert.True(result.ExitCode == 0, $"babeltrace2 exited {result.ExitCode}: {result.StandardError}");
        var printed = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => PrettyLine.TryParse(line)!.Fields["common_trace_id"]);
        var none = new string('0', 32);
        Assert.Equal([none, none, traceId, traceId], printed);
    }

    [GeneratedRegex(@"WARNING: Tracer discarded (?<count>\d+) events between \[[^\]]+\] and \[[^\]]+\] in trace ""[^""]*"" \(UUID: [0-9a-f-]+\) within stream ""(?<stream>[^""]+)""")]
    private static partial Regex DiscardedWarning();
}
