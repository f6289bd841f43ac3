using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ModularTrace.Integration.Tests.Live;

/// <summary>
/// Readers stopped (SIGINT) and killed (SIGKILL) at random points while a host writes flat out with the counter clock:
/// nothing vanishes unreported, no record reaches two readers, each reader's output ascends, a reader that stops loses
/// nothing, and the host's books balance at exit. Bounded by reader count and per-reader record targets.
/// </summary>
[Collection("live")]
public sealed partial class LiveReaderLossTests
{
    private const int Rounds = 4;
    private const int ReadersPerRound = 3;
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(90);

    [GeneratedRegex(@"\[\d{3}\] \.\.\.\. +(?<ts>\d+): ")]
    private static partial Regex RecordLine();

    [GeneratedRegex(@"^CPU:\d+ \[LOST (?<n>\d+) EVENTS\]$")]
    private static partial Regex LostLine();

    [GeneratedRegex(@"mtrace host: records written (?<w>\d+), delivered (?<d>\d+), lost to readers (?<r>\d+), overrun (?<o>\d+), dropped (?<x>\d+), unread (?<u>\d+), lost not yet reported (?<l>\d+)")]
    private static partial Regex Books();

    [Fact]
    public void Readers_StoppedAndKilledAtRandomUnderFullLoad_LoseNothingSilently()
    {
        using var host = LiveHost.Start("--rate", "0", "--cpus", "2", "--clock", "counter", "--load", RepoFiles.SampleModule("Sched"));
        Assert.True(host.Run("enable", "all").ExitCode == 0, host.Output);
        var random = new Random(25);
        var readers = new List<Reader>();
        for (var round = 0; round < Rounds; round++)
        {
            // Even rounds stop their readers with SIGINT (graceful: must lose nothing), odd rounds kill them.
            var graceful = round % 2 == 0;
            var before = ReaderLost(host);
            var batch = Enumerable.Range(0, ReadersPerRound).Select(_ => Reader.Start(host, target: random.Next(1, 30_000))).ToList();
            foreach (var reader in batch)
            {
                Assert.True(reader.Reached.Wait(s_deadline), $"reader got {reader.Records.Count} of {reader.Target} records\n{reader.Stderr}\n{host.Output}");
                reader.Signal(graceful);
            }

            foreach (var reader in batch)
            {
                Assert.True(reader.WaitForExit(s_deadline), $"reader {reader.Pid} did not exit\n{host.Output}");
                if (graceful)
                {
                    Assert.True(reader.ExitCode == 0, $"exit {reader.ExitCode}\n{reader.Stderr}");
                }
            }

            if (graceful)
            {
                // Bounded wait for the host to settle their last acknowledgements; a stopped reader costs nothing.
                Assert.Equal(before, ReaderLost(host));
            }

            readers.AddRange(batch);
        }

        // One last reader takes the LOST reports the killed readers left.
        var last = Reader.Start(host, target: 5_000);
        Assert.True(last.Reached.Wait(s_deadline), last.Stderr + host.Output);
        last.Signal(graceful: true);
        Assert.True(last.WaitForExit(s_deadline));
        readers.Add(last);
        readers.ForEach(r => r.Dispose());

        host.Terminate();
        Assert.True(host.WaitForExit(TimeSpan.FromSeconds(60)), host.Output);
        var books = Books().Match(host.Output);
        Assert.True(books.Success, host.Output);
        long Get(string name) => long.Parse(books.Groups[name].Value, CultureInfo.InvariantCulture);
        var (written, delivered, readerLost, overrun, dropped, unread, unreported) = (Get("w"), Get("d"), Get("r"), Get("o"), Get("x"), Get("u"), Get("l"));

        // The host's books balance exactly.
        Assert.Equal(written, delivered + readerLost + overrun + unread);

        // Each reader's records ascend (one shared merge), and no record reached two readers.
        foreach (var reader in readers)
        {
            var back = Enumerable.Range(1, Math.Max(0, reader.Records.Count - 1)).FirstOrDefault(i => reader.Records[i] <= reader.Records[i - 1]);
            Assert.True(back == 0, back == 0 ? null : $"a reader's record {back} at {reader.Records[back]} follows {reader.Records[back - 1]}");
        }

        var printed = readers.SelectMany(r => r.Records).ToList();
        Assert.Equal(printed.Count, printed.Distinct().Count());

        // Nothing vanished unreported: every written (or dropped) record was printed, or covered by a LOST line a reader
        // printed, or is still in the books as unread or not yet reported. (A killed reader may have printed records and
        // LOST lines it had not acknowledged; those are reported again, so this side may exceed.)
        var reportedLost = readers.Sum(r => r.Lost);
        var accounted = printed.Count + reportedLost + unread + unreported;
        Assert.True(accounted >= written + dropped, $"written {written} + dropped {dropped} > printed {printed.Count} + LOST {reportedLost} + unread {unread} + unreported {unreported}\n{host.Output}");

        // What readers printed is what they acknowledged, plus at most what the killed ones held unacknowledged; only
        // killed readers lose anything, at most one window (2048 records) each.
        var killed = readers.Count(r => r.Killed);
        Assert.InRange(printed.Count, delivered, delivered + readerLost);
        Assert.InRange(readerLost, 0, killed * 2048L);
    }

    private static long ReaderLost(LiveHost host)
    {
        long lost = 0;
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var stat = host.Run("stat", "--json");
            Assert.True(stat.ExitCode == 0, stat + host.Output);
            using var json = JsonDocument.Parse(stat.Stdout);
            var buffers = json.RootElement.GetProperty("buffers").EnumerateArray().ToList();
            lost = buffers.Sum(b => b.GetProperty("reader_lost").GetInt64());
            // Settled when only the per-buffer look-ahead remains.
            var inFlight = buffers.Sum(b => b.GetProperty("in_flight").GetInt64());
            if (inFlight > buffers.Count)
            {
                Thread.Sleep(50);
            }
            else
            {
                break;
            }
        }

        return lost;
    }

    private sealed class Reader : IDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _stderr = new();

        private Reader(Process process, int target)
        {
            _process = process;
            Target = target;
        }

        public int Target { get; }

        public List<long> Records { get; } = [];

        public long Lost { get; private set; }

        public bool Killed { get; private set; }

        public ManualResetEventSlim Reached { get; } = new();

        public int Pid => _process.Id;

        public int ExitCode => _process.ExitCode;

        public string Stderr
        {
            get
            {
                lock (_stderr)
                {
                    return _stderr.ToString();
                }
            }
        }

        public static Reader Start(LiveHost host, int target)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = RepoFiles.Root,
            };
            foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "mtrace.dll"), "trace-pipe", "--attach", host.Attach })
            {
                start.ArgumentList.Add(arg);
            }

            var process = Process.Start(start)!;
            var reader = new Reader(process, target);
            process.OutputDataReceived += (_, e) => reader.OnLine(e.Data);
            process.ErrorDataReceived += (_, e) =>
            {
                lock (reader._stderr)
                {
                    reader._stderr.AppendLine(e.Data);
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            process.StandardInput.Close();
            return reader;
        }

        // SIGINT as Ctrl-C sends it, or SIGKILL: no chance to acknowledge anything more.
        public void Signal(bool graceful)
        {
            if (graceful)
            {
                using var kill = Process.Start(new ProcessStartInfo("/usr/bin/kill") { ArgumentList = { "-INT", Pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
                kill.WaitForExit();
            }
            else
            {
                Killed = true;
                _process.Kill();
            }
        }

        public bool WaitForExit(TimeSpan timeout)
        {
            if (!_process.WaitForExit(timeout))
            {
                return false;
            }

            _process.WaitForExit(); // drains the redirected output
            return true;
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill();
                    _process.WaitForExit(TimeSpan.FromSeconds(30));
                }
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }

            _process.Dispose();
            Reached.Dispose();
        }

        private void OnLine(string? line)
        {
            if (line is null)
            {
                Reached.Set(); // ended: let the test see how far it got
                return;
            }

            if (LostLine().Match(line) is { Success: true } lost)
            {
                Lost += long.Parse(lost.Groups["n"].Value, CultureInfo.InvariantCulture);
            }
            else if (RecordLine().Match(line) is { Success: true } record)
            {
                Records.Add(long.Parse(record.Groups["ts"].Value, CultureInfo.InvariantCulture));
                if (Records.Count >= Target)
                {
                    Reached.Set();
                }
            }
        }
    }
}
