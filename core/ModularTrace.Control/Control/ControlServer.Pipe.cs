using System.Net.Sockets;
using ModularTrace.Buffers;
using ModularTrace.Events;
using ModularTrace.Output;

namespace ModularTrace.Control;

// The streaming requests: trace (a snapshot) and trace_pipe (consuming, settled record by record).
public sealed partial class ControlServer
{
    // Records per take, and unacknowledged records a reader may hold: what a reader that dies can cost, at most.
    private const int PipeBatch = 1024;
    private const int PipeWindow = 2 * PipeBatch;
    private const int MaxFrameChars = 128 * 1024;

    // How long a stopping host waits for readers to acknowledge what it sent them.
    private static readonly TimeSpan s_drainOnShutdown = TimeSpan.FromSeconds(2);

    private TracePipe? _pipe;

    // One merge and one set of books for every reader, made on first use.
    private TracePipe Pipe => LazyInitializer.EnsureInitialized(ref _pipe, () => new TracePipe(_options.Session));

    /// <summary>The <c>trace_pipe</c> books summed over the buffers, for the host's exit report.</summary>
    public string PipeSummary()
    {
        var buffers = Stat(_options.Session, _pipe);
        return string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"written {buffers.Sum(b => b.Written)}, delivered {buffers.Sum(b => b.Delivered)}, lost to readers {buffers.Sum(b => b.ReaderLost)}, overrun {buffers.Sum(b => b.Overrun)}, dropped {buffers.Sum(b => b.Dropped)}, unread {buffers.Sum(b => b.Entries + b.InFlight)}, lost not yet reported {buffers.Sum(b => b.LostUnreported)}");
    }

    private async Task SnapshotAsync(Stream stream, ControlRequest request)
    {
        var session = _options.Session;
        var records = new TraceReader(session).Read(consume: false);
        var limit = request.MaxEvents is > 0 and var m ? (int)Math.Min(m, records.Count) : records.Count;
        var written = session.Buffers.Sum(b => b.Stats.Written);
        var header = TextTraceWriter.Header(session, records.Count, written, Metadata().Select(p => $"{p.Key}: {p.Value}"));
        var lines = new List<string>(header.TrimEnd('\n').Split('\n'));
        foreach (var record in records.Take(limit))
        {
            lines.AddRange(TextTraceWriter.Format(record, session).Split('\n'));
        }

        await SendLinesAsync(stream, lines, final: true, count: limit).ConfigureAwait(false);
    }

    // Every record taken from the pipe is settled exactly once, here: delivered when the reader acknowledged it (or, for
    // a reader that does not acknowledge, when its frame was written), lost otherwise. So a record leaves the ring only
    // to reach a reader, or to be reported as LOST to the next one.
    private async Task PipeAsync(Stream stream, ControlRequest request)
    {
        var pipe = Pipe;
        var remaining = request.MaxEvents is > 0 and var m ? m : long.MaxValue;
        using var reader = new PipeReader(request.Ack);
        using var listening = new CancellationTokenSource();
        var listener = reader.Acknowledges
            ? ListenAsync(stream, reader, listening.Token)
            : ListenLegacyAsync(stream, reader, listening.Token);
        var sent = 0L;
        var end = "count";
        try
        {
            while (true)
            {
                if (_stopping.IsCancellationRequested)
                {
                    end = "host_stopping";
                    break;
                }

                if (reader.Gone || reader.StopRequested || remaining == 0)
                {
                    end = reader.StopRequested ? "stopped" : end;
                    break;
                }

                reader.SettleAcknowledged(pipe);
                if (reader.Acknowledges && reader.Unacknowledged >= PipeWindow)
                {
                    // Flow control: a reader that stops reading holds at most one window; past the request timeout it is
                    // treated as gone and what it holds is lost (reported).
                    if (!await reader.WaitAsync(_options.RequestTimeout, _stopping.Token).ConfigureAwait(false))
                    {
                        Log($"control: trace_pipe reader acknowledged nothing for {_options.RequestTimeout.TotalSeconds:0} s; ending its stream");
                        reader.Gone = true;
                    }

                    continue;
                }

                var room = reader.Acknowledges ? PipeWindow - reader.Unacknowledged : PipeBatch;
                var batch = pipe.Take((int)Math.Min(Math.Min(room, PipeBatch), remaining));
                if (batch.Count == 0)
                {
                    await reader.WaitAsync(_options.PollInterval, _stopping.Token).ConfigureAwait(false);
                    continue;
                }

                remaining -= batch.Count;
                reader.Sent(batch);
                try
                {
                    sent = await SendRecordsAsync(stream, batch, sent, reader.Acknowledges).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
                {
                    reader.Gone = true;
                    break;
                }

                if (!reader.Acknowledges)
                {
                    reader.SettleAll(pipe, delivered: true);
                }
            }

            if (!reader.Gone)
            {
                var unread = end == "host_stopping" ? Stat(_options.Session, pipe).Sum(b => b.Entries + b.InFlight) - reader.Unacknowledged : (long?)null;
                await SendFinalAsync(stream, new ControlResponse { Ok = true, Count = sent, Lines = [], End = end, Unread = unread }).ConfigureAwait(false);
                // The reader acknowledges the frames it still had in its socket as it writes them out, then closes.
                using var drain = new CancellationTokenSource(end == "host_stopping" ? s_drainOnShutdown : _options.RequestTimeout);
                while (reader.Acknowledges && reader.Unacknowledged > 0 && !reader.Gone)
                {
                    reader.SettleAcknowledged(pipe);
                    if (reader.Unacknowledged > 0 && !await reader.WaitAsync(Timeout.InfiniteTimeSpan, drain.Token).ConfigureAwait(false))
                    {
                        break;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The reader went away while the last frame was written: what it did not acknowledge is lost, below.
        }
        finally
        {
            reader.SettleAcknowledged(pipe);
            var lost = reader.SettleAll(pipe, delivered: false);
            if (lost > 0)
            {
                Log($"control: trace_pipe reader ended with {lost} records unacknowledged; they are reported as lost to the next reader");
            }

            await listening.CancelAsync().ConfigureAwait(false);
            await listener.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    // Acknowledging reader: frames in are ack (records written out), stop, or anything else (taken as stop).
    private async Task ListenAsync(Stream stream, PipeReader reader, CancellationToken token)
    {
        try
        {
            while (!token.IsCancellationRequested)
            {
                // No idle limit: a reader waiting for records has nothing to acknowledge.
                var frame = await ControlFrame.ReadAsync(stream, ControlProtocol.MaxRequestBytes, Timeout.InfiniteTimeSpan, _options.RequestTimeout, token).ConfigureAwait(false);
                if (frame.Status != ControlFrameStatus.Complete)
                {
                    reader.Gone = true;
                    return;
                }

                var message = ControlJson.ParseRequest(frame.Payload, out _);
                if (message is { Op: ControlOps.Ack, Count: { } count })
                {
                    reader.Acknowledge(count);
                }
                else
                {
                    reader.StopRequested = true;
                }

                reader.Signal();
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or TimeoutException)
        {
            reader.Gone = !token.IsCancellationRequested || reader.Gone;
        }
        finally
        {
            reader.Signal();
        }
    }

    // A reader that does not acknowledge (protocol 1 as first shipped): any byte or EOF means stop.
    private static async Task ListenLegacyAsync(Stream stream, PipeReader reader, CancellationToken token)
    {
        try
        {
            var n = await stream.ReadAsync(new byte[1], token).ConfigureAwait(false);
            if (n == 0)
            {
                reader.Gone = true;
            }
            else
            {
                reader.StopRequested = true;
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            reader.Gone = !token.IsCancellationRequested || reader.Gone;
        }
        finally
        {
            reader.Signal();
        }
    }

    // Whole records per frame, so an acknowledged count never splits one; each frame says how many were sent through it.
    private async Task<long> SendRecordsAsync(Stream stream, List<TraceRecord> batch, long sent, bool counted)
    {
        var session = _options.Session;
        var lines = new List<string>();
        var chars = 0;
        foreach (var record in batch)
        {
            var text = TextTraceWriter.Format(record, session);
            if (lines.Count > 0 && chars + text.Length >= MaxFrameChars)
            {
                await SendAsync(stream, new ControlResponse { Ok = true, Lines = [.. lines], More = true, Count = counted ? sent : null }).ConfigureAwait(false);
                lines.Clear();
                chars = 0;
            }

            foreach (var line in text.Split('\n'))
            {
                lines.Add(line.Length > MaxFrameChars ? line[..MaxFrameChars] : line);
                chars += Math.Min(line.Length, MaxFrameChars);
            }

            sent++;
        }

        await SendAsync(stream, new ControlResponse { Ok = true, Lines = [.. lines], More = true, Count = counted ? sent : null }).ConfigureAwait(false);
        return sent;
    }

    // The last frame goes out even while the host stops (its shutdown token is cancelled by then), with its own deadline.
    private async Task SendFinalAsync(Stream stream, ControlResponse response)
    {
        using var deadline = new CancellationTokenSource(_options.RequestTimeout);
        await ControlFrame.WriteAsync(stream, ControlJson.Serialize(response), deadline.Token).ConfigureAwait(false);
    }

    // Splits lines into frames well under the client's 1 MiB limit even if every character needed a \uXXXX escape.
    private async Task SendLinesAsync(Stream stream, List<string> lines, bool final, long count)
    {
        var start = 0;
        do
        {
            var end = start;
            var chars = 0;
            while (end < lines.Count && (end == start || chars + lines[end].Length < MaxFrameChars))
            {
                chars += Math.Min(lines[end].Length, MaxFrameChars);
                end++;
            }

            var last = end >= lines.Count;
            var chunk = lines.GetRange(start, end - start).Select(l => l.Length > MaxFrameChars ? l[..MaxFrameChars] : l).ToArray();
            await SendAsync(stream, new ControlResponse
            {
                Ok = true,
                Lines = chunk,
                More = final && last ? null : true,
                Count = final && last ? count : null,
            }).ConfigureAwait(false);
            start = end;
        }
        while (start < lines.Count);
    }

    // One trace_pipe connection's side of the books: what it was sent and has not settled, and what the client said.
    private sealed class PipeReader(bool acknowledges) : IDisposable
    {
        private readonly Queue<TraceRecord> _unsettled = new();
        private readonly SemaphoreSlim _signal = new(0);
        private long _sent;
        private long _settled;
        private long _acknowledged;
        private volatile bool _gone;
        private volatile bool _stop;

        public bool Acknowledges { get; } = acknowledges;

        public bool Gone
        {
            get => _gone;
            set => _gone = value;
        }

        public bool StopRequested
        {
            get => _stop;
            set => _stop = value;
        }

        public int Unacknowledged => _unsettled.Count;

        public void Sent(List<TraceRecord> batch)
        {
            foreach (var record in batch)
            {
                _unsettled.Enqueue(record);
            }

            _sent += batch.Count;
        }

        // From the listener: a count beyond what was sent is a confused client; it cannot settle records it never got.
        public void Acknowledge(long count)
        {
            long seen;
            do
            {
                seen = Interlocked.Read(ref _acknowledged);
                if (count <= seen)
                {
                    return;
                }
            }
            while (Interlocked.CompareExchange(ref _acknowledged, count, seen) != seen);
        }

        public void Signal()
        {
            if (_signal.CurrentCount == 0)
            {
                _signal.Release();
            }
        }

        public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken token)
        {
            try
            {
                return await _signal.WaitAsync(timeout, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        public void SettleAcknowledged(TracePipe pipe)
        {
            var upTo = Math.Min(Interlocked.Read(ref _acknowledged), _sent);
            var delivered = new List<TraceRecord>();
            while (_settled < upTo && _unsettled.TryDequeue(out var record))
            {
                delivered.Add(record);
                _settled++;
            }

            if (delivered.Count > 0)
            {
                pipe.Settle(delivered, delivered: true);
            }
        }

        public void Dispose() => _signal.Dispose();

        public int SettleAll(TracePipe pipe, bool delivered)
        {
            var records = _unsettled.ToArray();
            _unsettled.Clear();
            _settled += records.Length;
            if (records.Length > 0)
            {
                pipe.Settle(records, delivered);
            }

            return records.Length;
        }
    }
}
