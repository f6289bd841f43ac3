using System.Buffers.Binary;
using ModularTrace.Control;
using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;
using ModularTrace.Signing;

// afl++ and the control socket are Unix only, and so is this program.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

namespace ModularTrace.Fuzz;

internal static partial class Harnesses
{
    // Under afl, fuzz.sh names a directory of the campaign's own and removes it: afl ends this process with SIGKILL.
    // Otherwise (--replay, --show) the process makes its own and removes it as it exits.
    private static readonly Lazy<string> s_socketDirectory = new(() =>
    {
        if (Environment.GetEnvironmentVariable("MTRACE_FUZZ_SOCKETS") is { Length: > 0 } given)
        {
            Directory.CreateDirectory(given);
            return given;
        }

        var directory = Path.Combine(Path.GetTempPath(), $"mtrace-fuzz-{Environment.ProcessId}");
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        return directory;
    });

    /// <summary>
    /// The control protocol: the input is everything a client sends on one connection (frames of length-prefixed
    /// JSON, or garbage). A fresh host (an enforcing loader with empty keyrings, one event <c>fuzz:ev</c>) converses
    /// with it. Every reply must be a whole frame within the reply limit holding a reply object that is either ok or an
    /// error with an errno-style code and a message; <c>EIO</c> (a handler threw) is a failure.
    /// </summary>
    public static void Control(byte[] input)
    {
        var session = new TraceSession(new TraceOptions { Clock = TraceClock.Counter, BufferSize = 1 << 16 });
        session.Define("fuzz", "ev", new EventClass("fuzz", s_layout.Value, "pid={pid} comm={comm} name={name}"));
        var loader = new ModuleLoader(new HookRegistry(), session, new Keyrings(), Policy.Enforce);
        var server = ControlServer.Start(new ControlServerOptions
        {
            Session = session,
            Loader = loader,
            SocketPath = Path.Combine(s_socketDirectory.Value, "s.sock"),
            RequestTimeout = TimeSpan.FromSeconds(2),
            OperationTimeout = TimeSpan.FromSeconds(5),
            PollInterval = TimeSpan.FromMilliseconds(1),
        });
        var output = new MemoryStream();
        try
        {
            server.ConverseAsync(new ScriptedConnection(input, output), peerPid: 0).GetAwaiter().GetResult();
        }
        finally
        {
            server.Dispose();
        }

        var replies = output.ToArray().AsSpan();
        var count = 0;
        while (replies.Length > 0)
        {
            Require(replies.Length >= ControlProtocol.HeaderSize, $"reply {count} ends inside its header");
            var length = BinaryPrimitives.ReadUInt32BigEndian(replies);
            Require(length <= ControlProtocol.MaxResponseBytes, $"reply {count} of {length} bytes exceeds the reply limit");
            Require(replies.Length - ControlProtocol.HeaderSize >= length, $"reply {count} announces {length} bytes and is cut short");
            var payload = replies.Slice(ControlProtocol.HeaderSize, (int)length).ToArray();
            var reply = ControlJson.ParseResponse(payload, out var error);
            Require(reply is not null, $"reply {count} is not a reply: {error}");
            if (!reply!.Ok)
            {
                Require(reply.Code is { Length: > 1 } code && code[0] == 'E' && code.All(char.IsAsciiLetterUpper), $"reply {count} failed with code '{reply.Code}'");
                Require(reply.Code != ControlErrors.Internal, $"reply {count} is an internal error: {reply.Error}");
                Require(!string.IsNullOrEmpty(reply.Error), $"reply {count} failed without a message");
            }

            replies = replies[(ControlProtocol.HeaderSize + (int)length)..];
            count++;
        }
    }

    /// <summary>A connection whose client sent <c>input</c> and then closed its side; the replies collect in <c>output</c>.</summary>
    private sealed class ScriptedConnection(byte[] input, MemoryStream output) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, input.Length - _position);
            input.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            output.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            output.Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
