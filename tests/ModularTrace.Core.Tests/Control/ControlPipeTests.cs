using System.Net.Sockets;
using System.Text.RegularExpressions;
using ModularTrace.Control;
using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;
using ModularTrace.Signing;
using ModularTrace.Tasks;

namespace ModularTrace.Core.Tests.Control;

/// <summary>
/// trace_pipe over a private socket: what a reader acknowledges is delivered, what a reader that stops is sent it still
/// gets, what one that vanishes was sent is reported as LOST to the next, and the books balance.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class ControlPipeTests : IAsyncLifetime
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);
    private readonly string _directory = Path.Combine("/tmp", $"mtp-{Guid.NewGuid():N}"[..16]);
    private readonly TraceSession _session = new(new TraceOptions { Clock = TraceClock.Counter, BufferSize = 4 << 20 });
    private TraceEvent _event = null!;
    private EventField _seq = null!;
    private ControlServer _server = null!;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var b = new EventLayoutBuilder();
        _seq = b.U64("seq");
        _event = _session.Define("t", "tick", new EventClass("tick", b.Build(), "seq={seq}"))!;
        _event.IsEnabled = true;
        _server = ControlServer.Start(new ControlServerOptions
        {
            Session = _session,
            Loader = new ModuleLoader(new HookRegistry(), _session, new Keyrings(), Policy.Enforce),
            SocketPath = Path.Combine(_directory, "s.sock"),
            PollInterval = TimeSpan.FromMilliseconds(5),
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private void Write(long count)
    {
        CurrentTask.Set(0, 4242, "writer");
        try
        {
            for (var i = 0L; i < count; i++)
            {
                var w = _event.Reserve(0);
                w.Set(_seq, (ulong)i);
                w.Commit();
            }
        }
        finally
        {
            CurrentTask.Clear();
        }
    }

    private Task<ControlClient> Client() => ControlClient.ConnectAsync(_server.SocketPath, "test");

    private async Task<BufferInfo> Books()
    {
        await using var client = await Client();
        return Assert.Single((await client.RequestAsync(new ControlRequest { Op = ControlOps.Stat })).Buffers!);
    }

    // The host settles a reader's last acknowledgements after the reader has its last frame: bounded wait for that.
    private async Task<BufferInfo> SettledBooks()
    {
        var books = await Books();
        for (var i = 0; i < 400 && books.InFlight > 0; i++)
        {
            await Task.Delay(25);
            books = await Books();
        }

        return books;
    }

    private static void AssertBalanced(BufferInfo b)
        => Assert.Equal(b.Written, b.Delivered + b.ReaderLost + b.Overrun + b.Entries + b.InFlight);

    [GeneratedRegex(@"^CPU:0 \[LOST (\d+) EVENTS\]$")]
    private static partial Regex LostLine();

    [Fact]
    public async Task TracePipe_ReaderVanishesUnacknowledged_ItsRecordsAreReportedLostToTheNextReader()
    {
        Write(5000);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(_server.SocketPath));
        await using (var stream = new NetworkStream(socket, ownsSocket: true))
        {
            await ControlFrame.WriteAsync(stream, ControlJson.Serialize(new ControlRequest { Op = ControlOps.Hello, Protocol = ControlProtocol.Version }), CancellationToken.None);
            await ControlFrame.ReadAsync(stream, ControlProtocol.MaxResponseBytes, s_timeout, s_timeout, CancellationToken.None);
            await ControlFrame.WriteAsync(stream, ControlJson.Serialize(new ControlRequest { Op = ControlOps.TracePipe, Ack = true }), CancellationToken.None);
            var first = await ControlFrame.ReadAsync(stream, ControlProtocol.MaxResponseBytes, s_timeout, s_timeout, CancellationToken.None);
            Assert.Equal(ControlFrameStatus.Complete, first.Status);
        }

        // Gone without a word (as after SIGKILL). Bounded wait for the host to notice; no timing assert.
        var books = await Books();
        for (var i = 0; i < 400 && books.ReaderLost == 0; i++)
        {
            await Task.Delay(25);
            books = await Books();
        }

        Assert.True(books.ReaderLost > 0, $"{books}");
        Assert.Equal(0, books.Delivered);
        AssertBalanced(books);

        await using var next = await Client();
        var lines = new List<string>();
        await foreach (var frame in next.StreamAsync(new ControlRequest { Op = ControlOps.TracePipe, MaxEvents = 1, Ack = true }))
        {
            lines.AddRange(frame.Lines ?? []);
        }

        Assert.Equal(books.ReaderLost.ToString(System.Globalization.CultureInfo.InvariantCulture), LostLine().Match(lines[0]).Groups[1].Value);
        Assert.Contains("tick: seq=", lines[1], StringComparison.Ordinal);
        var after = await SettledBooks();
        Assert.Equal(1, after.Delivered);
        Assert.Equal(0, after.LostUnreported);
        AssertBalanced(after);
    }

    [Fact]
    public async Task TracePipe_ReaderStops_GetsWhatWasSentAndNothingIsLost()
    {
        Write(6000);
        using var stop = new CancellationTokenSource();
        await using var client = await Client();
        var records = 0;
        ControlResponse? last = null;
        await foreach (var frame in client.StreamAsync(new ControlRequest { Op = ControlOps.TracePipe, Ack = true }, stop.Token))
        {
            records += frame.Lines!.Count(l => l.Contains("tick: seq=", StringComparison.Ordinal));
            last = frame;
            await stop.CancelAsync(); // Ctrl-C after the first frame
        }

        Assert.Equal("stopped", last!.End);
        Assert.Equal(records, last.Count);
        var books = await SettledBooks();
        Assert.Equal(records, books.Delivered);
        Assert.Equal(0, books.ReaderLost);
        AssertBalanced(books);
    }

    [Fact]
    public async Task TracePipe_TwoReadersInTurn_EachGetsAscendingRecordsAndTogetherAll()
    {
        Write(3000);
        var seen = new List<long>();
        foreach (var take in new[] { 1000, 2000 })
        {
            await using var client = await Client();
            var mine = new List<long>();
            await foreach (var frame in client.StreamAsync(new ControlRequest { Op = ControlOps.TracePipe, MaxEvents = take, Ack = true }))
            {
                mine.AddRange(frame.Lines!.Where(l => l.Contains("tick: seq=", StringComparison.Ordinal)).Select(l => long.Parse(l.Split(':')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], System.Globalization.CultureInfo.InvariantCulture)));
            }

            Assert.Equal(take, mine.Count);
            seen.AddRange(mine);
        }

        Assert.Equal(seen.Order(), seen);
        Assert.Equal(3000, seen.Distinct().Count());
        var books = await SettledBooks();
        Assert.Equal(3000, books.Delivered);
        AssertBalanced(books);
    }

    [Fact]
    public async Task TracePipe_HostStops_LastFrameSaysSo()
    {
        Write(10);
        await using var client = await Client();
        var frames = new List<ControlResponse>();
        var stopping = Task.CompletedTask;
        await foreach (var frame in client.StreamAsync(new ControlRequest { Op = ControlOps.TracePipe, Ack = true }))
        {
            frames.Add(frame);
            if (frame.Count == 10)
            {
                stopping = _server.DisposeAsync().AsTask();
            }
        }

        await stopping;
        Assert.Equal("host_stopping", frames[^1].End);
        Assert.Equal(10, frames[^1].Count);
    }

    [Fact]
    public async Task TracePipe_WithoutAck_StillStreamsAndCountsWhatWasWritten()
    {
        Write(5);
        await using var client = await Client();
        var frames = new List<ControlResponse>();
        await foreach (var frame in client.StreamAsync(new ControlRequest { Op = ControlOps.TracePipe, MaxEvents = 5 }))
        {
            frames.Add(frame);
        }

        Assert.Equal(5, frames.Sum(f => f.Lines!.Count));
        Assert.Equal(5, frames[^1].Count);
        Assert.Equal(5, (await Books()).Delivered);
    }

    [Theory]
    [InlineData(ControlOps.Ack)]
    [InlineData(ControlOps.Stop)]
    public async Task AckOrStop_OutsideAStream_IsInvalid(string op)
    {
        await using var client = await Client();
        var reply = await client.RequestAsync(new ControlRequest { Op = op, Count = 1 });
        Assert.Equal(ControlErrors.Invalid, reply.Code);
        Assert.True((await client.RequestAsync(new ControlRequest { Op = ControlOps.Lsmod })).Ok);
    }

    [Fact]
    public async Task TracePipe_HostDiesMidStream_TheClientSaysItExited()
    {
        using var exited = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/true") { UseShellExecute = false })!;
        await exited.WaitForExitAsync();
        var path = Path.Combine(_directory, "dies.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var host = Task.Run(async () =>
        {
            using var peer = await listener.AcceptAsync().WaitAsync(s_timeout);
            await using var stream = new NetworkStream(peer);
            await ControlFrame.ReadAsync(stream, ControlProtocol.MaxRequestBytes, s_timeout, s_timeout, CancellationToken.None);
            await ControlFrame.WriteAsync(stream, ControlJson.Serialize(new ControlResponse { Ok = true, Protocol = ControlProtocol.Version, Pid = exited.Id, Ops = ControlProtocol.Operations }), CancellationToken.None);
            await ControlFrame.ReadAsync(stream, ControlProtocol.MaxRequestBytes, s_timeout, s_timeout, CancellationToken.None);
            await ControlFrame.WriteAsync(stream, ControlJson.Serialize(new ControlResponse { Ok = true, Lines = ["one record"], More = true, Count = 1 }), CancellationToken.None);
            // ... and the host dies: the connection closes without the stream's last frame.
        });

        await using var client = await ControlClient.ConnectAsync(path, "test");
        var failure = await Assert.ThrowsAsync<ControlException>(async () =>
        {
            await foreach (var frame in client.StreamAsync(new ControlRequest { Op = ControlOps.TracePipe, Ack = true }))
            {
                Assert.Equal(["one record"], frame.Lines!);
            }
        });
        await host;

        Assert.Equal("EPIPE", failure.Code);
        Assert.Equal($"{path}: the host (pid {exited.Id}) exited in the middle of trace_pipe after 1 records, without ending the stream; records it had not sent are lost with it", failure.Message);
        Assert.Contains("killed or crashed", failure.Hint, StringComparison.Ordinal);
    }
}
