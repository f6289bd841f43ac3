using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace ModularTrace.Control;

/// <summary>
/// The live-control endpoint a host opts into with one call at start-up: a Unix domain socket (mode 0600, in a 0700
/// directory) serving the request/response protocol of docs/live-control.md to several clients at once.
/// </summary>
/// <remarks>
/// One accept loop, one task per client, at most <see cref="ControlServerOptions.MaxClients"/> at a time. Nothing a
/// client sends can crash or block the host: frames are size-checked before they are read, every read, write and
/// request has a timeout, and a failure in a request becomes an error reply. Dispose stops accepting, closes every
/// connection and removes the socket file.
/// </remarks>
public sealed partial class ControlServer : IAsyncDisposable, IDisposable
{
    private readonly ControlServerOptions _options;
    private readonly Socket _listener;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, bool> _clients = new();
    private readonly Task _acceptLoop;
    private readonly uint _userId = ControlSocket.UserId();
    private int _disposed;

    private ControlServer(ControlServerOptions options, Socket listener, string path)
    {
        _options = options;
        _listener = listener;
        SocketPath = path;
        _slots = new SemaphoreSlim(options.MaxClients, options.MaxClients);
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The socket clients connect to.</summary>
    public string SocketPath { get; }

    /// <summary>Clients being served now.</summary>
    public int ActiveClients => _options.MaxClients - _slots.CurrentCount;

    /// <summary>Binds the socket and starts serving. Returns once clients can connect.</summary>
    /// <exception cref="ArgumentException">The options are not usable, or the path is too long for a Unix socket.</exception>
    /// <exception cref="IOException">The directory is unsafe, another host serves the path, or binding failed.</exception>
    public static ControlServer Start(ControlServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The control endpoint is a Unix domain socket with Unix permissions.");
        }

        if (options.Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        var path = Path.GetFullPath(options.SocketPath ?? ControlSocket.ForProcess(Environment.ProcessId));
        if (ControlSocket.CheckPath(path) is { } tooLong)
        {
            throw new ArgumentException(tooLong, nameof(options));
        }

        if (options.SocketPath is null)
        {
            ControlSocket.SecureDirectory(Path.GetDirectoryName(path)!);
        }

        RemoveStale(path);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            // Inside our 0700 directory nobody else can reach the socket between bind and chmod.
            File.SetUnixFileMode(path, ControlSocket.SocketMode);
            listener.Listen(64);
        }
        catch (Exception ex) when (ex is SocketException or IOException or UnauthorizedAccessException)
        {
            listener.Dispose();
            throw new IOException($"cannot serve on {path}: {ex.Message}", ex);
        }

        return new ControlServer(options, listener, path);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        try
        {
            await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            await Task.WhenAll(_clients.Keys).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log("control: some clients did not close within 5 s of shutdown");
        }

        TryDelete(SocketPath);
        _stopping.Dispose();
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    // A socket file nobody listens on is left over from a dead host: remove it. One somebody answers on is refused.
    private static void RemoveStale(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        if (new FileInfo(path).Length > 0)
        {
            throw new IOException($"{path} exists and is not a socket; refusing to replace it");
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            File.Delete(path);
            return;
        }
        catch (SocketException ex)
        {
            throw new IOException($"{path} exists and cannot be checked: {ex.Message}", ex);
        }

        throw new IOException($"{path}: another host is serving on this socket");
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The directory went away or changed owner; nothing else to clean.
        }
    }

    private async Task AcceptLoopAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex)
            {
                // EMFILE and the like: say so, back off, keep serving.
                Log($"control: accept failed: {ex.Message}");
                await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            var task = _slots.Wait(0) ? ServeAsync(client) : RefuseAsync(client);
            _clients.TryAdd(task, true);
            _ = task.ContinueWith(t => _clients.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task RefuseAsync(Socket client)
    {
        await using var stream = new NetworkStream(client, ownsSocket: true);
        await TrySendAsync(stream, ControlResponse.Fail(
            ControlErrors.Busy,
            $"the host serves {_options.MaxClients} clients already",
            "try again when one has finished")).ConfigureAwait(false);
    }

    private async Task ServeAsync(Socket client)
    {
        try
        {
            await using var stream = new NetworkStream(client, ownsSocket: true);
            var peer = PeerCredentials(client);
            if (peer is { } p && p.Uid != _userId && p.Uid != 0)
            {
                Log($"control: refused pid {p.Pid}: uid {p.Uid} is not the host's uid {_userId}");
                await TrySendAsync(stream, ControlResponse.Fail(ControlErrors.AccessDenied, "the control socket serves its owner only", "attach as the user that runs the host")).ConfigureAwait(false);
                return;
            }

            await ConverseAsync(stream, peer?.Pid ?? 0).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away or the host is stopping: the connection ends, the host keeps serving.
        }
        catch (Exception ex)
        {
            Log($"control: connection failed: {ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>One connection's conversation over any stream (the socket, or a fuzzer's bytes): frames in, replies out.</summary>
    internal async Task ConverseAsync(Stream stream, int peerPid)
    {
        var token = _stopping.Token;
        var greeted = false;
        while (!token.IsCancellationRequested)
        {
            ControlFrame frame;
            try
            {
                frame = await ControlFrame.ReadAsync(
                    stream, ControlProtocol.MaxRequestBytes, greeted ? _options.IdleTimeout : _options.RequestTimeout, _options.RequestTimeout, token).ConfigureAwait(false);
            }
            catch (TimeoutException ex)
            {
                await TrySendAsync(stream, ControlResponse.Fail(ControlErrors.TimedOut, $"request timed out: {ex.Message}")).ConfigureAwait(false);
                return;
            }

            switch (frame.Status)
            {
                case ControlFrameStatus.Closed or ControlFrameStatus.Truncated:
                    return;
                case ControlFrameStatus.TooLarge:
                    // The body was not read, so the stream is out of step: answer and hang up.
                    await TrySendAsync(stream, ControlResponse.Fail(
                        ControlErrors.TooLarge,
                        $"request of {frame.Length} bytes exceeds the limit of {ControlProtocol.MaxRequestBytes}")).ConfigureAwait(false);
                    return;
            }

            var request = ControlJson.ParseRequest(frame.Payload, out var error);
            if (request is null)
            {
                await SendAsync(stream, ControlResponse.Fail(ControlErrors.Invalid, error!)).ConfigureAwait(false);
                continue;
            }

            if (!greeted || request.Op == ControlOps.Hello)
            {
                var hello = Hello(request);
                await SendAsync(stream, hello).ConfigureAwait(false);
                if (!hello.Ok)
                {
                    return;
                }

                greeted = true;
                continue;
            }

            switch (request.Op)
            {
                case ControlOps.Trace:
                    await SnapshotAsync(stream, request).ConfigureAwait(false);
                    break;
                case ControlOps.Ack or ControlOps.Stop:
                    await SendAsync(stream, ControlResponse.Fail(ControlErrors.Invalid, $"'{request.Op}' is sent only while a trace_pipe with 'ack' streams")).ConfigureAwait(false);
                    break;
                case ControlOps.TracePipe:
                    // trace_pipe is the connection's last request: it ends when the client closes or has its count.
                    await PipeAsync(stream, request).ConfigureAwait(false);
                    return;
                default:
                    await SendAsync(stream, await RunAsync(request, peerPid).ConfigureAwait(false)).ConfigureAwait(false);
                    break;
            }
        }
    }

    private ControlResponse Hello(ControlRequest request)
    {
        if (request.Op != ControlOps.Hello)
        {
            return ControlResponse.Fail(ControlErrors.Protocol, $"expected 'hello' as the first request, got '{Printable(request.Op ?? "")}'", "send hello with the protocol version first (docs/live-control.md)") with
            {
                Protocol = ControlProtocol.Version,
            };
        }

        if (request.Protocol != ControlProtocol.Version)
        {
            var theirs = request.Protocol is { } v ? $"version {v}" : "no version";
            return ControlResponse.Fail(
                ControlErrors.Protocol,
                $"control protocol mismatch: the client speaks {theirs}, this host speaks version {ControlProtocol.Version}",
                "use the mtrace that came with the host") with { Protocol = ControlProtocol.Version };
        }

        return new ControlResponse
        {
            Ok = true,
            Protocol = ControlProtocol.Version,
            Pid = Environment.ProcessId,
            Vermagic = _options.Loader.HostVermagic,
            Policy = _options.Loader.Policy.ToString().ToLowerInvariant(),
            Ops = ControlProtocol.Operations,
        };
    }

    // Runs one request off the connection's task, with a deadline; a failure becomes an error reply.
    private async Task<ControlResponse> RunAsync(ControlRequest request, int peerPid)
    {
        var work = Task.Run(() => Handle(request, peerPid));
        try
        {
            return await work.WaitAsync(_options.OperationTimeout, _stopping.Token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return ControlResponse.Fail(ControlErrors.TimedOut, $"{request.Op} did not finish within {_options.OperationTimeout.TotalSeconds:0} s; it may still complete", "check with lsmod or stat");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log($"control: {request.Op} failed: {ex.GetType().Name}: {ex.Message}");
            return ControlResponse.Fail(ControlErrors.Internal, $"{request.Op} failed in the host: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private async Task SendAsync(Stream stream, ControlResponse response)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        deadline.CancelAfter(_options.RequestTimeout);
        await ControlFrame.WriteAsync(stream, ControlJson.Serialize(response), deadline.Token).ConfigureAwait(false);
    }

    private async Task TrySendAsync(Stream stream, ControlResponse response)
    {
        try
        {
            await SendAsync(stream, response).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client is gone already; the refusal had nowhere to go.
        }
    }

    // Linux SO_PEERCRED: struct ucred { pid_t pid; uid_t uid; gid_t gid; }. Belt and braces over the 0600 mode.
    private static (int Pid, uint Uid)? PeerCredentials(Socket socket)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        const int SolSocket = 1, SoPeerCred = 17;
        Span<byte> ucred = stackalloc byte[12];
        try
        {
            return socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred) < 12
                ? null
                : (MemoryMarshal.Read<int>(ucred), MemoryMarshal.Read<uint>(ucred[4..]));
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private void Log(string line)
    {
        try
        {
            // Client text (paths, names, request fields) reaches these lines: never a control character.
            _options.Log?.Invoke(Text.DisplayText.Printable(line, max: 2048));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A failing log sink must not take the endpoint down.
        }
    }
}
