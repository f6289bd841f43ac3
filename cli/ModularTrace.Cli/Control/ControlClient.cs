using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace ModularTrace.Control;

/// <summary>A connection to a host's control socket, greeted and version-checked.</summary>
/// <remarks>One request at a time; not thread-safe. A <c>trace_pipe</c> stream ends the connection.</remarks>
public sealed class ControlClient : IAsyncDisposable, IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writing = new(1, 1);

    private ControlClient(Socket socket, string path, ControlResponse hello)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        SocketPath = path;
        Hello = hello;
    }

    /// <summary>The socket connected to.</summary>
    public string SocketPath { get; }

    /// <summary>The host's <c>hello</c> reply: its pid, vermagic, policy and operations.</summary>
    public ControlResponse Hello { get; }

    /// <summary>How long a reply frame may take. Default 60 s (a module load runs in between).</summary>
    public TimeSpan ReplyTimeout { get; init; } = TimeSpan.FromSeconds(65);

    /// <summary>
    /// Resolves what <c>--attach</c> names: digits are a pid (its socket is looked for in <see cref="ControlSocket.Directories"/>),
    /// anything else a socket path. Says why when there is nothing to connect to.
    /// </summary>
    /// <exception cref="ControlException">No such process, the process has no socket, or the socket is stale.</exception>
    public static string Resolve(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Length > 0 && target.All(char.IsAsciiDigit))
        {
            if (!int.TryParse(target, System.Globalization.CultureInfo.InvariantCulture, out var pid) || pid <= 0)
            {
                throw new ControlException(ControlErrors.Invalid, $"'{target}' is not a process id");
            }

            var socket = ControlSocket.Find(pid);
            var alive = ControlSocket.IsAlive(pid);
            return (socket, alive) switch
            {
                (null, false) => throw new ControlException("ESRCH", $"no process {pid}", "'mtrace ps' lists the hosts you can attach to"),
                (null, true) => throw new ControlException(
                    ControlErrors.NotFound,
                    $"process {pid} has no control socket in {string.Join(" or ", ControlSocket.Directories())}",
                    "start it with 'mtrace host', or pass the socket path if it was started with --socket"),
                ({ } path, false) => throw new ControlException(
                    "ECONNREFUSED",
                    $"stale control socket {path}: process {pid} is not running",
                    $"the host died without cleaning up; remove it with 'rm {path}'"),
                ({ } path, true) => path,
            };
        }

        return Path.GetFullPath(target);
    }

    /// <summary>Connects, says hello and checks the host's protocol version.</summary>
    /// <exception cref="ControlException">Nothing listens, permission denied, the host refused, or the versions differ.</exception>
    public static async Task<ControlClient> ConnectAsync(string socketPath, string clientName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(socketPath);
        if (ControlSocket.CheckPath(socketPath) is { } tooLong)
        {
            throw new ControlException(ControlErrors.Invalid, tooLong, "use a shorter path, or a pid");
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(10));
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), deadline.Token).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw ConnectFailure(socketPath, ex);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new ControlException(ControlErrors.TimedOut, $"{socketPath}: the host did not accept the connection within 10 s", "the host may be overloaded; try again");
        }

        var stream = new NetworkStream(socket, ownsSocket: false);
        ControlResponse hello;
        try
        {
            await ControlFrame.WriteAsync(stream, ControlJson.Serialize(new ControlRequest { Op = ControlOps.Hello, Protocol = ControlProtocol.Version, Client = clientName }), cancellationToken).ConfigureAwait(false);
            hello = await ReadReplyAsync(stream, socketPath, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
            throw;
        }

        await stream.DisposeAsync().ConfigureAwait(false);
        if (!hello.Ok || hello.Protocol != ControlProtocol.Version)
        {
            socket.Dispose();
            if (hello.Protocol is { } theirs && theirs != ControlProtocol.Version)
            {
                throw new ControlException(
                    ControlErrors.Protocol,
                    $"control protocol mismatch: the host at {socketPath} speaks version {theirs}, this mtrace speaks version {ControlProtocol.Version}",
                    "use the mtrace that came with the host");
            }

            throw new ControlException(hello.Code ?? ControlErrors.Protocol, $"the host refused the connection: {hello.Error}", hello.Hint);
        }

        return new ControlClient(socket, socketPath, hello);
    }

    /// <summary>Sends a request and returns its one reply (which may be an error reply: check <see cref="ControlResponse.Ok"/>).</summary>
    /// <exception cref="ControlException">The connection broke or the reply is not one.</exception>
    public async Task<ControlResponse> RequestAsync(ControlRequest request, CancellationToken cancellationToken = default)
    {
        await SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await ReadReplyAsync(_stream, SocketPath, ReplyTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the host settles <c>trace_pipe</c> records by acknowledgement (it lists <c>ack</c> at hello).</summary>
    public bool HostAcknowledges => Hello.Ops?.Contains(ControlOps.Ack) == true;

    /// <summary>How long a stopped <c>trace_pipe</c> waits for the host's last frame. Default 10 s.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Sends a streamed request (<c>trace</c>, <c>trace_pipe</c>) and yields its frames, the last one included.
    /// </summary>
    /// <remarks>
    /// With <see cref="ControlRequest.Ack"/> (used only when <see cref="HostAcknowledges"/>), each frame is acknowledged
    /// when the caller asks for the next one, that is once it has written the frame out; cancelling asks the host to stop
    /// and keeps yielding what it had already sent, up to its last frame, so a reader that stops loses nothing.
    /// </remarks>
    /// <exception cref="ControlException">The connection broke or a reply is not one; mid-stream, says what the host did.</exception>
    public async IAsyncEnumerable<ControlResponse> StreamAsync(ControlRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var acknowledged = request.Ack && HostAcknowledges;
        if (request.Ack && !acknowledged)
        {
            request = request with { Ack = false };
        }

        await SendAsync(request, cancellationToken).ConfigureAwait(false);
        using var stopped = new CancellationTokenSource();
        using var stopping = acknowledged ? cancellationToken.Register(() => _ = StopAsync(stopped)) : default;
        var records = 0L;
        while (true)
        {
            // trace_pipe may wait for events indefinitely: no reply deadline between frames. Acknowledged, the read is
            // not cancelled by the caller (that would leave the stream out of step) but by StopTimeout after a stop.
            ControlResponse reply;
            try
            {
                reply = await ReadReplyAsync(_stream, SocketPath, Timeout.InfiniteTimeSpan, acknowledged ? stopped.Token : cancellationToken).ConfigureAwait(false);
            }
            catch (ControlException ex) when (ex.Code == "EPIPE")
            {
                throw MidStream(request, records, ex);
            }
            catch (OperationCanceledException) when (stopped.IsCancellationRequested)
            {
                throw new ControlException(ControlErrors.TimedOut, $"{SocketPath}: the host did not end the stream within {StopTimeout.TotalSeconds:0} s of the stop; records it sent since were not acknowledged and it reports them as lost", "the host may be overloaded or stopped (SIGSTOP?)");
            }

            records = reply.Count ?? records + (reply.Lines?.Count ?? 0);
            yield return reply;
            if (!reply.Ok || reply.More != true)
            {
                yield break;
            }

            if (acknowledged && reply.Count is { } count)
            {
                await SendAckAsync(count).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _writing.Dispose();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stream.Dispose();
        _writing.Dispose();
    }

    private async Task SendAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Acks (the reading task) and a stop (the cancelling thread) may write at once: one frame at a time.
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ControlFrame.WriteAsync(_stream, ControlJson.Serialize(request), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            throw new ControlException("EPIPE", $"{SocketPath}: the host closed the connection: {ex.Message}", "the host may have exited; 'mtrace ps' lists running hosts", ex);
        }
        finally
        {
            _writing.Release();
        }
    }

    // A failed ack means the host is gone; the next read says how.
    private async Task SendAckAsync(long count)
    {
        try
        {
            await SendAsync(new ControlRequest { Op = ControlOps.Ack, Count = count }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ControlException)
        {
            // Reported by the read that follows.
        }
    }

    private async Task StopAsync(CancellationTokenSource stopped)
    {
        try
        {
            stopped.CancelAfter(StopTimeout);
            await SendAsync(new ControlRequest { Op = ControlOps.Stop }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ControlException or ObjectDisposedException)
        {
            // The host is gone or the stream ended meanwhile; the read reports which.
        }
    }

    // The connection ended without the stream's last frame: say whether the host is still running.
    private ControlException MidStream(ControlRequest request, long records, ControlException broken)
    {
        var pid = Hello.Pid ?? 0;
        var gone = pid > 0 && !ControlSocket.IsAlive(pid);
        var what = gone ? $"the host (pid {pid}) exited" : $"the host (pid {pid}) closed the connection";
        return new ControlException(
            "EPIPE",
            $"{SocketPath}: {what} in the middle of {request.Op} after {records} records, without ending the stream; records it had not sent are lost with it",
            gone ? "it was killed or crashed; 'mtrace ps' lists running hosts, and its stale socket may be left behind" : "the host may be shutting down or overloaded; 'mtrace stat --attach' shows what it still holds",
            broken);
    }

    private static async Task<ControlResponse> ReadReplyAsync(Stream stream, string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ControlFrame frame;
        try
        {
            frame = await ControlFrame.ReadAsync(stream, ControlProtocol.MaxResponseBytes, timeout, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new ControlException(ControlErrors.TimedOut, $"{path}: no reply from the host: {ex.Message}", "the host may be overloaded or stopped (SIGSTOP?)", ex);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            throw new ControlException("EPIPE", $"{path}: the connection broke: {ex.Message}", "the host may have exited; 'mtrace ps' lists running hosts", ex);
        }

        return frame.Status switch
        {
            ControlFrameStatus.Complete => ControlJson.ParseResponse(frame.Payload, out var error)
                ?? throw new ControlException(ControlErrors.Protocol, $"{path}: {error}", "is this an mtrace control socket?"),
            ControlFrameStatus.TooLarge => throw new ControlException(ControlErrors.Protocol, $"{path}: reply of {frame.Length} bytes exceeds {ControlProtocol.MaxResponseBytes}", "is this an mtrace control socket?"),
            _ => throw new ControlException("EPIPE", $"{path}: the host closed the connection without replying", "the host may have exited; 'mtrace ps' lists running hosts"),
        };
    }

    internal static ControlException ConnectFailure(string path, SocketException ex) => ex.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => new ControlException(
            "ECONNREFUSED",
            $"stale control socket {path}: nothing is listening",
            $"the host exited without cleaning up; remove it with 'rm {path}', and see 'mtrace ps'"),
        SocketError.AccessDenied => new ControlException(
            ControlErrors.AccessDenied,
            $"permission denied connecting to {path}",
            "the host runs as another user; attach as that user"),
        SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported when !File.Exists(path) => new ControlException(
            ControlErrors.NotFound,
            $"no control socket at {path}",
            "'mtrace ps' lists the hosts you can attach to"),
        _ when !File.Exists(path) => new ControlException(ControlErrors.NotFound, $"no control socket at {path}", "'mtrace ps' lists the hosts you can attach to"),
        _ => new ControlException("ECONNREFUSED", $"cannot connect to {path}: {ex.Message}", "'mtrace ps' lists the hosts you can attach to"),
    };
}
