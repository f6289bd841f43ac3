using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using ModularTrace.Control;

namespace ModularTrace.Integration.Tests.Live;

/// <summary>Hosts that end: SIGTERM cleans up, SIGKILL leaves a stale socket the client names; lockdown refuses enrolment.</summary>
[Collection("live")]
public sealed class LiveLifecycleTests
{
    [Fact]
    public void Sigterm_UnloadsModulesAndRemovesTheSocket()
    {
        using var host = LiveHost.Start("--load", RepoFiles.SampleModule("Sched"));
        Assert.True(File.Exists(host.SocketPath));
        host.Terminate();
        Assert.True(host.WaitForExit(TimeSpan.FromSeconds(60)), host.Output);
        Assert.Equal(0, host.ExitCode);
        Assert.False(File.Exists(host.SocketPath), host.Output);
        Assert.Contains("unloaded 1 modules", host.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mono")]
    [InlineData("counter")]
    [InlineData("coarse")]
    public void Host_EveryClockRunTakes_IsAcceptedAndStreams(string clock)
    {
        using var host = LiveHost.Start("--clock", clock, "--load", RepoFiles.SampleModule("Sched"));
        Assert.True(host.Run("enable", "sched:sched_switch").ExitCode == 0, host.Output);
        var pipe = host.Run("trace-pipe", "--events", "5");
        Assert.True(pipe.ExitCode == 0, pipe + host.Output);
        Assert.Equal(5, pipe.Stdout.Split('\n').Count(line => line.Contains(": sched_switch: ", StringComparison.Ordinal)));
    }

    [Fact]
    public void ProbeFault_IsCountedPerModule_InLsmodAndStat_TextAndJson()
    {
        using var host = LiveHost.Start("--load", RepoFiles.TestModule("TestThrowingProbe"));
        // The host fires sched_switch 20,000 times a second; the probe throws on its first call. Bounded wait, no timing assert.
        JsonElement module = default;
        for (var attempt = 0; attempt < 300; attempt++)
        {
            var listed = host.Run("lsmod", "--json");
            Assert.True(listed.ExitCode == 0, listed + host.Output);
            using var json = JsonDocument.Parse(listed.Stdout);
            module = json.RootElement.EnumerateArray().Single().Clone();
            if (module.GetProperty("probe_faults").GetInt64() > 0)
            {
                break;
            }

            Thread.Sleep(100);
        }

        Assert.Equal(1, module.GetProperty("probe_faults").GetInt64());
        Assert.Contains('Q', module.GetProperty("taints").GetString()!);

        var lsmod = host.Run("lsmod");
        var line = lsmod.Stdout.Split('\n').Single(l => l.StartsWith("test_throwing_probe ", StringComparison.Ordinal));
        Assert.Contains("Q", line, StringComparison.Ordinal);
        Assert.EndsWith("(1 probe fault)", line.TrimEnd(), StringComparison.Ordinal);

        var stat = host.Run("stat", "--json");
        Assert.True(stat.ExitCode == 0, stat + host.Output);
        using (var json = JsonDocument.Parse(stat.Stdout))
        {
            var fault = Assert.Single(json.RootElement.GetProperty("probe_faults").EnumerateArray());
            Assert.Equal("test_throwing_probe", fault.GetProperty("module").GetString());
            Assert.Equal("sched_switch", fault.GetProperty("hook").GetString());
            Assert.Equal(1, fault.GetProperty("faults").GetInt64());
            Assert.Contains('Q', json.RootElement.GetProperty("taints").GetProperty("letters").GetString()!);
        }

        var text = host.Run("stat").Stdout;
        Assert.Contains("probe faults: test_throwing_probe on sched_switch: 1", text, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^taints: \S*Q\S* \(\d+\)$", text);
    }

    [Fact]
    public void Sigkill_LeavesAStaleSocket_WhichTheClientNamesAndPsDoesNotRemove()
    {
        string socket;
        int pid;
        using (var host = LiveHost.Start())
        {
            socket = host.SocketPath;
            pid = host.Pid;
            host.KillHard();
            Assert.True(host.WaitForExit(TimeSpan.FromSeconds(30)));
        }

        try
        {
            Assert.True(File.Exists(socket));
            var byPid = Mtrace.Run("lsmod", "--attach", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(1, byPid.ExitCode);
            Assert.Equal($"mtrace: stale control socket {socket}: process {pid} is not running", byPid.Stderr.Split('\n')[0]);
            Assert.Contains($"  hint: the host died without cleaning up; remove it with 'rm {socket}'", byPid.Stderr, StringComparison.Ordinal);

            var byPath = Mtrace.Run("lsmod", "--attach", socket);
            Assert.Equal(1, byPath.ExitCode);
            Assert.Equal($"mtrace: stale control socket {socket}: nothing is listening", byPath.Stderr.Split('\n')[0]);
            Assert.Contains("  hint: ", byPath.Stderr, StringComparison.Ordinal);

            var ps = Mtrace.Run("ps");
            Assert.Contains("(not running: stale socket)", ps.Stdout, StringComparison.Ordinal);
            Assert.True(File.Exists(socket));
        }
        finally
        {
            File.Delete(socket);
        }
    }

    [Fact]
    public void Attach_DeadProcessWithoutSocket_SaysNoSuchProcess()
    {
        using var exited = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        exited.WaitForExit();
        var pid = exited.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var result = Mtrace.Run("stat", "--attach", pid);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"mtrace: no process {pid}", result.Stderr.Split('\n')[0]);
        Assert.Equal("  hint: 'mtrace ps' lists the hosts you can attach to", result.Stderr.Split('\n')[1]);
    }

    [Fact]
    public void Attach_LiveProcessWithoutSocket_SaysSo()
    {
        var self = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var result = Mtrace.Run("lsmod", "--attach", self);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"mtrace: process {self} has no control socket in ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("  hint: start it with 'mtrace host'", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_HostSpeakingAnotherVersion_SaysMismatchWithAHint()
    {
        // A stand-in host that answers hello with version 99, as a future mtrace would.
        var path = Path.Combine("/tmp", $"mtv-{Guid.NewGuid():N}"[..16] + ".sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var fake = Task.Run(async () =>
        {
            using var peer = await listener.AcceptAsync().WaitAsync(TimeSpan.FromMinutes(2));
            await using var stream = new NetworkStream(peer);
            await ControlFrame.ReadAsync(stream, ControlProtocol.MaxRequestBytes, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60), CancellationToken.None);
            await ControlFrame.WriteAsync(stream, ControlJson.Serialize(new ControlResponse { Ok = true, Protocol = 99, Pid = 1 }), CancellationToken.None);
        });
        var result = await Task.Run(() => Mtrace.Run("lsmod", "--attach", path));
        await fake;
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"mtrace: control protocol mismatch: the host at {path} speaks version 99, this mtrace speaks version {ControlProtocol.Version}", result.Stderr.Split('\n')[0]);
        Assert.Equal("  hint: use the mtrace that came with the host", result.Stderr.Split('\n')[1]);
    }

    [Fact]
    public void KeysEnroll_Lockdown_IsRefused_Enforce_IsEnrolled()
    {
        using (var locked = LiveHost.Start("--policy", "lockdown"))
        {
            var refused = locked.Run("keys", "enroll", RepoFiles.DevCertificate, "--yes");
            Assert.Equal(1, refused.ExitCode);
            Assert.Equal("mtrace: the keyrings are locked down; no key can be enrolled at run time", refused.Stderr.Split('\n')[0]);
            Assert.Contains("lockdown forbids run-time key changes", refused.Stderr, StringComparison.Ordinal);
        }

        using var host = LiveHost.Start();
        var enrolled = host.Run("keys", "enroll", RepoFiles.DevCertificate, "--yes");
        Assert.True(enrolled.ExitCode == 0, enrolled + host.Output);
        Assert.Contains("enrolled into the machine keyring", enrolled.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"keyring\": \"machine\"", host.Run("keys", "list", "--json").Stdout, StringComparison.Ordinal);
    }
}
