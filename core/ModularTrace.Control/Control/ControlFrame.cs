using System.Buffers.Binary;

namespace ModularTrace.Control;

/// <summary>What reading one frame gave.</summary>
public enum ControlFrameStatus
{
    /// <summary>A whole frame; <see cref="ControlFrame.Payload"/> holds it.</summary>
    Complete,

    /// <summary>The peer closed the connection cleanly, before the first header byte.</summary>
    Closed,

    /// <summary>The peer closed the connection inside a frame.</summary>
    Truncated,

    /// <summary>The header announced more than the limit; the body was not read and the stream is out of step.</summary>
    TooLarge,
}

/// <summary>One length-prefixed frame: u32 big-endian payload length, then the payload (UTF-8 JSON).</summary>
/// <param name="Status">Whether a whole frame arrived.</param>
/// <param name="Length">The length the header announced (0 when no header arrived).</param>
/// <param name="Payload">The payload; empty unless <paramref name="Status"/> is <see cref="ControlFrameStatus.Complete"/>.</param>
public readonly record struct ControlFrame(ControlFrameStatus Status, uint Length, ReadOnlyMemory<byte> Payload)
{
    /// <summary>Parses a frame header.</summary>
    /// <returns>False when <paramref name="header"/> is shorter than <see cref="ControlProtocol.HeaderSize"/>.</returns>
    public static bool TryReadHeader(ReadOnlySpan<byte> header, out uint length)
    {
        if (header.Length < ControlProtocol.HeaderSize)
        {
            length = 0;
            return false;
        }

        length = BinaryPrimitives.ReadUInt32BigEndian(header);
        return true;
    }

    /// <summary>Header and payload in one buffer, so a frame goes out in one write.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> payload)
    {
        var frame = new byte[ControlProtocol.HeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(ControlProtocol.HeaderSize));
        return frame;
    }

    /// <summary>
    /// Reads one frame. The announced length is checked against <paramref name="maxLength"/> before any of the body is
    /// read or allocated, so a hostile header costs four bytes.
    /// </summary>
    /// <param name="stream">The connection.</param>
    /// <param name="maxLength">The largest payload accepted.</param>
    /// <param name="headerTimeout">How long to wait for the first header byte (the connection's idle time).</param>
    /// <param name="bodyTimeout">How long the rest of the frame may take once its first byte arrived.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <exception cref="TimeoutException">A timeout passed.</exception>
    public static async ValueTask<ControlFrame> ReadAsync(
        Stream stream, int maxLength, TimeSpan headerTimeout, TimeSpan bodyTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var header = new byte[ControlProtocol.HeaderSize];
        var got = await FillAsync(stream, header.AsMemory(0, 1), headerTimeout, cancellationToken).ConfigureAwait(false);
        if (got == 0)
        {
            return new ControlFrame(ControlFrameStatus.Closed, 0, default);
        }

        // From the first byte on, the whole frame must arrive within one request timeout (slowloris guard).
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(bodyTimeout);
        try
        {
            got = await FillAsync(stream, header.AsMemory(1), Timeout.InfiniteTimeSpan, deadline.Token).ConfigureAwait(false);
            if (got < ControlProtocol.HeaderSize - 1)
            {
                return new ControlFrame(ControlFrameStatus.Truncated, 0, default);
            }

            TryReadHeader(header, out var length);
            if (length > (uint)maxLength)
            {
                return new ControlFrame(ControlFrameStatus.TooLarge, length, default);
            }

            var payload = new byte[length];
            got = await FillAsync(stream, payload, Timeout.InfiniteTimeSpan, deadline.Token).ConfigureAwait(false);
            return got < length
                ? new ControlFrame(ControlFrameStatus.Truncated, length, default)
                : new ControlFrame(ControlFrameStatus.Complete, length, payload);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the frame did not arrive within {bodyTimeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>Writes one frame.</summary>
    public static async ValueTask WriteAsync(Stream stream, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        await stream.WriteAsync(Encode(payload.Span), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    // Reads until the buffer is full or the stream ends; returns the bytes read.
    private static async ValueTask<int> FillAsync(Stream stream, Memory<byte> buffer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var idle = timeout == Timeout.InfiniteTimeSpan ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle?.CancelAfter(timeout);
        var token = idle?.Token ?? cancellationToken;
        var total = 0;
        try
        {
            while (total < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer[total..], token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }
        }
        catch (OperationCanceledException) when (idle is not null && idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"nothing arrived within {timeout.TotalSeconds:0.#} s");
        }

        return total;
    }
}
