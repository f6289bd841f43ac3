using System.Net.Sockets;
using System.Text;
using ModularTrace.Control;
using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;
using ModularTrace.Signing;

namespace ModularTrace.Core.Tests.Control;

/// <summary>The endpoint in-process, on a private socket: handshake, limits, error replies, file modes.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ControlServerTests : IAsyncLifetime
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);
    private readonly string _directory = Path.Combine("/tmp", $"mtc-{Guid.NewGuid():N}"[..16]);
    private readonly TraceSession _session = new();
    private readonly HookRegistry _hooks = new();
    private ControlServer _server = null!;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _server = Start(new ControlServerOptions
        {
            Session = _session,
            Loader = new ModuleLoader(_hooks, _session, new Keyrings(), Policy.Enforce) { HostVermagic = "myapp 2.1.0+abc net10.0 mod_unload modversions" },
            SocketPath = Path.Combine(_directory, "s.sock"),
            MaxClients = 2,
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    // .NET removes a socket file it bound when the socket is disposed; moving the file first leaves it behind, as a
    // host killed with SIGKILL would.
    private void StaleSocket(string path)
    {
        var bound = Path.Combine(_directory, "bound.sock");
        using var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        dead.Bind(new UnixDomainSocketEndPoint(bound));
        File.Move(bound, path);
    }

    private static ControlServer Start(ControlServerOptions options) => ControlServer.Start(options);

    private async Task<NetworkStream> Connect()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(_server.SocketPath));
        return new NetworkStream(socket, ownsSocket: true);
    }

    private static async Task<ControlResponse?> Exchange(Stream stream, byte[] frame)
    {
        await stream.WriteAsync(frame);
        var reply = await ControlFrame.ReadAsync(stream, ControlProtocol.MaxResponseBytes, s_timeout, s_timeout, CancellationToken.None);
        return reply.Status == ControlFrameStatus.Complete ? ControlJson.ParseResponse(reply.Payload, out _) : null;
    }

    private static byte[] Frame(ControlRequest request) => ControlFrame.Encode(ControlJson.Serialize(request));

    private static readonly byte[] s_hello = Frame(new ControlRequest { Op = ControlOps.Hello, Protocol = ControlProtocol.Version });

    [Fact]
    public async Task Hello_SameVersion_ListsOperations()
    {
        await using var stream = await Connect();
        var reply = await Exchange(stream, s_hello);
        Assert.True(reply!.Ok);
        Assert.Equal(ControlProtocol.Version, reply.Protocol);
        Assert.Equal(Environment.ProcessId, reply.Pid);
        Assert.Contains(ControlOps.TracePipe, reply.Ops!);
    }

    // What 'mtrace hooks --attach PID --symvers' prints: the host's own table and vermagic, not the sample kernel's.
    [Fact]
    public async Task Hooks_ReturnsTheHostsSymversAndVermagic()
    {
        _hooks.Register(new Hook<string, int>("myapp_request", "route", "status"));
        await using var stream = await Connect();
        Assert.Contains(ControlOps.Hooks, (await Exchange(stream, s_hello))!.Ops!);
        var reply = await Exchange(stream, Frame(new ControlRequest { Op = ControlOps.Hooks }));
        Assert.True(reply!.Ok);
        Assert.Equal("myapp 2.1.0+abc net10.0 mod_unload modversions", reply.Vermagic);
        Assert.Equal($"{HookSignature.FormatCrc(HookSignature.ComputeCrc("myapp_request(string route, int status)"))}\tmyapp_request\tmyapp_request(string route, int status)\n", reply.Symvers);
        var stat = await Exchange(stream, Frame(new ControlRequest { Op = ControlOps.Stat }));
        Assert.Equal(reply.Vermagic, stat!.Vermagic);
    }

    [Fact]
    public async Task Hello_OtherVersion_IsRefusedWithTheHostVersionAndClosed()
    {
        await using var stream = await Connect();
        var reply = await Exchange(stream, Frame(new ControlRequest { Op = ControlOps.Hello, Protocol = 99 }));
        Assert.False(reply!.Ok);
        Assert.Equal(ControlErrors.Protocol, reply.Code);
        Assert.Equal(ControlProtocol.Version, reply.Protocol);
        Assert.Contains("version 99", reply.Error, StringComparison.Ordinal);
        Assert.Equal(0, await stream.ReadAsync(new byte[1]));
    }

    [Fact]
    public async Task Request_BeforeHello_IsAProtocolError()
    {
        await using var stream = await Connect();
        var reply = await Exchange(stream, Frame(new ControlRequest { Op = ControlOps.Lsmod }));
        Assert.Equal(ControlErrors.Protocol, reply!.Code);
    }

    [Fact]
    public async Task Oversized_IsRefusedBeforeReading_AndTheServerKeepsServing()
    {
        await using (var stream = await Connect())
        {
            Assert.True((await Exchange(stream, s_hello))!.Ok);
            var reply = await Exchange(stream, [0x00, 0x01, 0x00, 0x01]);
            Assert.Equal(ControlErrors.TooLarge, reply!.Code);
            Assert.Contains("65537", reply.Error, StringComparison.Ordinal);
        }

        await using var again = await Connect();
        Assert.True((await Exchange(again, s_hello))!.Ok);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[1,2]")]
    [InlineData("""{"op":"no_such_op"}""")]
    [InlineData("""{"op":"insmod","path":"relative/m.dll"}""")]
    [InlineData("""{"op":"rmmod"}""")]
    [InlineData("""{"op":"enable","selector":"nosys:noevent"}""")]
    public async Task BadRequest_GetsAnErrorReply_AndTheConnectionKeepsServing(string json)
    {
        await using var stream = await Connect();
        Assert.True((await Exchange(stream, s_hello))!.Ok);
        var reply = await Exchange(stream, ControlFrame.Encode(Encoding.UTF8.GetBytes(json)));
        Assert.False(reply!.Ok);
        Assert.NotNull(reply.Code);
        Assert.False(string.IsNullOrEmpty(reply.Error));
        var lsmod = await Exchange(stream, Frame(new ControlRequest { Op = ControlOps.Lsmod }));
        Assert.True(lsmod!.Ok);
        Assert.Empty(lsmod.Modules!);
    }

    [Fact]
    public async Task Filter_BadExpression_RepliesWithTheBytePosition()
    {
        var ev = _session.Define("t", "e", new EventClass("e", new EventLayoutBuilder().Build(), "x"));
        Assert.NotNull(ev);
        await using var stream = await Connect();
        Assert.True((await Exchange(stream, s_hello))!.Ok);
        var reply = await Exchange(stream, Frame(new ControlRequest { Op = ControlOps.Filter, Selector = "t:e", Expr = "common_pid < < 3" }));
        Assert.False(reply!.Ok);
        Assert.Equal(ControlErrors.Invalid, reply.Code);
        Assert.Equal("common_pid < < 3", reply.CommandError!.Command);
        Assert.Equal(14, reply.CommandError.Position); // parse_pred(): one right of the bad value
        Assert.Single(_session.ErrorLog.Entries);
    }

    [Fact]
    public async Task Clients_OverTheLimit_AreToldBusy()
    {
        await using var first = await Connect();
        await using var second = await Connect();
        Assert.True((await Exchange(first, s_hello))!.Ok);
        Assert.True((await Exchange(second, s_hello))!.Ok);
        await using var third = await Connect();
        var reply = await ControlFrame.ReadAsync(third, ControlProtocol.MaxResponseBytes, s_timeout, s_timeout, CancellationToken.None);
        Assert.Equal(ControlErrors.Busy, ControlJson.ParseResponse(reply.Payload, out _)!.Code);
    }

    [Fact]
    public void Socket_IsMode0600()
        => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_server.SocketPath));

    [Fact]
    public async Task Dispose_RemovesTheSocket()
    {
        await _server.DisposeAsync();
        Assert.False(File.Exists(_server.SocketPath));
    }

    [Fact]
    public void Start_PathLongerThanSunPath_IsRefused()
    {
        var options = new ControlServerOptions { Session = _session, Loader = new ModuleLoader(new HookRegistry(), _session, new Keyrings(), Policy.Enforce), SocketPath = "/tmp/" + new string('x', 120) };
        Assert.Contains("under 108", Assert.Throws<ArgumentException>(() => ControlServer.Start(options)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_PathServedByAnotherHost_IsRefused()
    {
        var options = new ControlServerOptions { Session = _session, Loader = new ModuleLoader(new HookRegistry(), _session, new Keyrings(), Policy.Enforce), SocketPath = _server.SocketPath };
        Assert.Contains("another host", Assert.Throws<IOException>(() => ControlServer.Start(options)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_StaleSocketFile_IsReplaced()
    {
        var path = Path.Combine(_directory, "stale.sock");
        StaleSocket(path);

        Assert.True(File.Exists(path));
        await using var server = ControlServer.Start(new ControlServerOptions { Session = _session, Loader = new ModuleLoader(new HookRegistry(), _session, new Keyrings(), Policy.Enforce), SocketPath = path });
        await using var client = await ControlClient.ConnectAsync(path, "test");
        Assert.Equal(Environment.ProcessId, client.Hello.Pid);
    }

    [Fact]
    public void SecureDirectory_CreatesMode0700()
    {
        var directory = Path.Combine(_directory, "d");
        ControlSocket.SecureDirectory(directory);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
    }

    [Fact]
    public void SecureDirectory_Symlink_IsRefused()
    {
        var link = Path.Combine(_directory, "link");
        Directory.CreateSymbolicLink(link, _directory);
        Assert.Throws<IOException>(() => ControlSocket.SecureDirectory(link));
    }

    [Theory]
    [InlineData(SocketError.ConnectionRefused, "ECONNREFUSED", "stale control socket")]
    [InlineData(SocketError.AccessDenied, "EACCES", "permission denied")]
    public void ConnectFailure_SaysWhatHappenedWithAHint(SocketError error, string code, string message)
    {
        var failure = ControlClient.ConnectFailure(_server.SocketPath, new SocketException((int)error));
        Assert.Equal(code, failure.Code);
        Assert.StartsWith(message, failure.Message, StringComparison.Ordinal);
        Assert.NotNull(failure.Hint);
    }

    [Fact]
    public async Task Client_StaleSocket_SaysStaleWithAHint()
    {
        var path = Path.Combine(_directory, "gone.sock");
        StaleSocket(path);

        var failure = await Assert.ThrowsAsync<ControlException>(() => ControlClient.ConnectAsync(path, "test"));
        Assert.Equal("ECONNREFUSED", failure.Code);
        Assert.Contains($"rm {path}", failure.Hint, StringComparison.Ordinal);
    }
}
