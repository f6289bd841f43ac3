using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ModularTrace.Control;

namespace ModularTrace.Integration.Tests.Live;

/// <summary>One real host serves the tests of this class (in order, one at a time); each test leaves it serving.</summary>
public sealed class LiveHostFixture : IDisposable
{
    public LiveHostFixture() => Host = LiveHost.Start();

    internal LiveHost Host { get; }

    public void Dispose() => Host.Dispose();
}

[Collection("live")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LiveControlTests(LiveHostFixture fixture) : IClassFixture<LiveHostFixture>
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly LiveHost _host = fixture.Host;

    private static byte[] Frame(ControlRequest request) => ControlFrame.Encode(ControlJson.Serialize(request));

    private async Task<NetworkStream> Connect()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(_host.SocketPath));
        return new NetworkStream(socket, ownsSocket: true);
    }

    private static async Task<ControlResponse?> ReadReply(Stream stream)
    {
        var frame = await ControlFrame.ReadAsync(stream, ControlProtocol.MaxResponseBytes, s_timeout, s_timeout, CancellationToken.None);
        return frame.Status == ControlFrameStatus.Complete ? ControlJson.ParseResponse(frame.Payload, out _) : null;
    }

    private void AssertServing()
    {
        Assert.True(_host.IsRunning, _host.Output);
        var taint = _host.Run("taint");
        Assert.True(taint.ExitCode == 0, taint + _host.Output);
    }

    [Fact]
    public void Insmod_EnableTracePipe_Rmmod_HostKeepsServing()
    {
        var insmod = _host.Run("insmod", RepoFiles.SampleModule("Sched"));
        Assert.True(insmod.ExitCode == 0, insmod + _host.Output);
        Assert.StartsWith("sched: loaded", insmod.Stdout, StringComparison.Ordinal);

        var lsmod = _host.Run("lsmod", "--json");
        Assert.True(lsmod.ExitCode == 0, lsmod.ToString());
        using (var modules = JsonDocument.Parse(lsmod.Stdout))
        {
            var sched = Assert.Single(modules.RootElement.EnumerateArray());
            Assert.Equal("sched", sched.GetProperty("name").GetString());
            Assert.Equal("ModularTrace development signing key", sched.GetProperty("signer").GetString());
        }

        var enable = _host.Run("enable", "sched:sched_switch");
        Assert.True(enable.ExitCode == 0, enable.ToString());
        Assert.Equal("enabled 1 event: sched:sched_switch", enable.Stdout.Trim());

        var pipe = _host.Run("trace-pipe", "--events", "200");
        Assert.True(pipe.ExitCode == 0, pipe + _host.Output);
        var switches = pipe.Stdout.Split('\n').Count(line => line.Contains(": sched_switch: prev_comm=", StringComparison.Ordinal));
        Assert.True(switches >= 200, $"{switches} sched_switch lines\n{pipe}");

        var stat = _host.Run("stat", "--json");
        using (var counters = JsonDocument.Parse(stat.Stdout))
        {
            Assert.True(counters.RootElement.GetProperty("buffers").EnumerateArray().Sum(b => b.GetProperty("read").GetInt64()) >= 200, stat.Stdout);
        }

        var rmmod = _host.Run("rmmod", "sched");
        Assert.True(rmmod.ExitCode == 0, rmmod + _host.Output);
        var empty = _host.Run("lsmod", "--json");
        Assert.Equal("[]", empty.Stdout.Trim());
        AssertServing();
    }

    [Fact]
    public void Insmod_Unsigned_IsRefusedWithTheContractMessage()
    {
        var insmod = _host.Run("insmod", RepoFiles.TestModule("TestUnsigned"));
        Assert.Equal(1, insmod.ExitCode);
        Assert.Equal("mtrace: Loading of unsigned module test_unsigned is rejected", insmod.Stderr.Split('\n')[0]);
        Assert.Contains("  hint: ", insmod.Stderr, StringComparison.Ordinal);
        Assert.Equal("[]", _host.Run("lsmod", "--json").Stdout.Trim());
    }

    [Fact]
    public void Filter_BadExpression_EchoesTheCommandWithACaret()
    {
        Assert.Equal(0, _host.Run("insmod", RepoFiles.SampleModule("Sched")).ExitCode);
        try
        {
            var filter = _host.Run("filter", "sched:sched_switch", "prev_pid < < 3");
            Assert.Equal(2, filter.ExitCode);
            var lines = filter.Stderr.Split('\n');
            Assert.StartsWith("mtrace: filter sched:sched_switch: ", lines[0], StringComparison.Ordinal);
            Assert.Equal("  Command: prev_pid < < 3", lines[1]);
            Assert.Equal(new string(' ', 11 + 12) + "^", lines[2]); // the kernel's caret: one right of the bad value
        }
        finally
        {
            _host.Run("rmmod", "sched");
        }
    }

    [Fact]
    public async Task Fuzz_MalformedOversizedAndTruncatedRequests_LeaveTheHostServing()
    {
        // A small mutation fuzzer with a fixed seed and a bounded count (NOTES-RELIABILITY.md §2): every input gets an
        // error reply or a closed connection within the timeout, and the host answers a valid client afterwards.
        var random = new Random(10);
        var seeds = new[]
        {
            ControlJson.Serialize(new ControlRequest { Op = ControlOps.Lsmod }),
            ControlJson.Serialize(new ControlRequest { Op = ControlOps.Filter, Selector = "sched:*", Expr = "prev_pid < 3" }),
            ControlJson.Serialize(new ControlRequest { Op = ControlOps.Insmod, Path = "/nonexistent/m.dll", ForceVermagic = true }),
            ControlJson.Serialize(new ControlRequest { Op = ControlOps.TracePipe, MaxEvents = 1 }),
        };
        var hello = Frame(new ControlRequest { Op = ControlOps.Hello, Protocol = ControlProtocol.Version });
        for (var i = 0; i < 150; i++)
        {
            var seed = seeds[random.Next(seeds.Length)];
            byte[] input = (i % 6) switch
            {
                0 => ControlFrame.Encode(Mutate(seed, random)),
                1 => ControlFrame.Encode(RandomBytes(random, 200)),
                2 => [.. BitConverter.GetBytes(random.Next(ControlProtocol.MaxRequestBytes + 1, int.MaxValue)).Reverse()],
                3 => ControlFrame.Encode(seed)[..random.Next(1, seed.Length + 3)],
                4 => RandomBytes(random, 40),
                _ => ControlFrame.Encode(Encoding.UTF8.GetBytes(new string('[', random.Next(1, 5000)))),
            };
            var greet = i % 2 == 0 && i % 6 != 3;
            await using var stream = await Connect();
            if (greet)
            {
                await stream.WriteAsync(hello);
                Assert.True((await ReadReply(stream))?.Ok, $"hello failed at input {i}");
            }

            await stream.WriteAsync(input);
            stream.Socket.Shutdown(SocketShutdown.Send);
            // Either an error reply (then the host may keep the connection for more) or a close; never a hang.
            var reply = await ReadReply(stream);
            if (reply is not null && !reply.Ok)
            {
                Assert.False(string.IsNullOrEmpty(reply.Code), $"input {i}: error reply without a code");
            }
        }

        AssertServing();
        Assert.DoesNotContain("internal error", _host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clients_EightAtOnce_AreAllServed()
    {
        var clients = Enumerable.Range(0, 8).Select(async n =>
        {
            await using var client = await ControlClient.ConnectAsync(_host.SocketPath, $"test {n}");
            for (var round = 0; round < 10; round++)
            {
                var lsmod = await client.RequestAsync(new ControlRequest { Op = ControlOps.Lsmod });
                var stat = await client.RequestAsync(new ControlRequest { Op = ControlOps.Stat });
                Assert.True(lsmod.Ok && stat.Ok, $"{lsmod.Error}{stat.Error}");
                Assert.NotNull(stat.Taints);
            }

            return client.Hello.Pid;
        }).ToArray();
        var pids = await Task.WhenAll(clients).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.All(pids, pid => Assert.Equal(_host.Pid, pid));
        AssertServing();
    }

    [Fact]
    public async Task Hello_OtherProtocolVersion_IsRefusedWithTheHostVersion()
    {
        await using var stream = await Connect();
        await stream.WriteAsync(Frame(new ControlRequest { Op = ControlOps.Hello, Protocol = ControlProtocol.Version + 1 }));
        var reply = await ReadReply(stream);
        Assert.False(reply!.Ok);
        Assert.Equal(ControlErrors.Protocol, reply.Code);
        Assert.Equal(ControlProtocol.Version, reply.Protocol);
        AssertServing();
    }

    [Fact]
    public void SocketAndDirectory_AreOwnerOnly()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_host.SocketPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(_host.SocketPath)!));
        Assert.Equal(ControlSocket.ForProcess(_host.Pid), _host.SocketPath);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(_host.SocketPath) < 108);
    }

    [Fact]
    public void Ps_ListsTheHostWithItsCommandLine()
    {
        var ps = Mtrace.Run("ps", "--json");
        Assert.True(ps.ExitCode == 0, ps.ToString());
        using var rows = JsonDocument.Parse(ps.Stdout);
        var row = rows.RootElement.EnumerateArray().Single(r => r.GetProperty("pid").GetInt32() == _host.Pid);
        Assert.True(row.GetProperty("alive").GetBoolean());
        Assert.Contains("host", row.GetProperty("command").GetString(), StringComparison.Ordinal);
        Assert.Equal(_host.SocketPath, row.GetProperty("socket").GetString());
    }

    [Fact]
    public void Events_AttachedAndInProcess_PrintTheSameShape()
    {
        Assert.Equal(0, _host.Run("insmod", RepoFiles.SampleModule("Sched")).ExitCode);
        try
        {
            var live = _host.Run("events", "--json");
            var offline = Mtrace.RunIn(RepoFiles.Root, "events", "--json", "--load", RepoFiles.SampleModule("Sched"));
            Assert.True(live.ExitCode == 0 && offline.ExitCode == 0, $"{live}\n{offline}");
            static string[] Names(string json) => [.. JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()!)];
            Assert.Equal(Names(offline.Stdout), Names(live.Stdout));
            Assert.Contains("sched:sched_switch", Names(live.Stdout));
            var format = _host.Run("events", "--format", "sched:sched_switch");
            Assert.StartsWith("name: sched_switch\nID: ", format.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            _host.Run("rmmod", "sched");
        }
    }

    [Fact]
    public void KeysEnroll_WithoutATerminalOrYes_IsRefusedOnTheClient()
    {
        var enroll = _host.Run("keys", "enroll", RepoFiles.DevCertificate);
        Assert.Equal(1, enroll.ExitCode);
        Assert.StartsWith("mtrace: enrolment of 'ModularTrace development signing key' was not confirmed: no terminal to ask on", enroll.Stderr, StringComparison.Ordinal);
        var keys = _host.Run("keys", "list", "--json");
        Assert.DoesNotContain("\"machine\"", keys.Stdout, StringComparison.Ordinal);
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = (byte[])seed.Clone();
        for (var n = random.Next(1, 5); n > 0; n--)
        {
            bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
        }

        return bytes;
    }

    private static byte[] RandomBytes(Random random, int max)
    {
        var bytes = new byte[random.Next(1, max)];
        random.NextBytes(bytes);
        return bytes;
    }
}
