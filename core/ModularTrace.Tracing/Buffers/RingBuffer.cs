using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ModularTrace.Buffers;

/// <summary>
/// One writer's ring of variable-size records (the kernel's per-CPU ring buffer). One thread writes; readers
/// consume (<see cref="TryConsume"/>, trace_pipe) or look without consuming (<see cref="Snapshot"/>, trace).
/// </summary>
/// <remarks>
/// Positions are monotonically increasing byte counts; the array index is <c>position &amp; mask</c>. A record is a
/// 16-byte header (u32 size with the top bit marking padding, u32 zero, u64 timestamp) and its payload, padded to 8.
/// A record never wraps: if it does not fit before the end of the array, a padding record fills the rest.
/// The writer publishes <c>_head</c> after writing (release). In overwrite mode the writer reclaims the oldest
/// records by CAS on <c>_tail</c>, the same word the consumer CASes, so each record is counted exactly once:
/// either read or overrun. A reader validates that <c>_tail</c> did not pass its record after copying it.
/// Accounting: written = read + overrun + (records still in the buffer); dropped counts records never written.
/// </remarks>
public sealed class RingBuffer
{
    /// <summary>Bytes of the per-record header.</summary>
    public const int HeaderSize = 16;
    private const uint PaddingFlag = 0x8000_0000;

    private readonly byte[] _data;
    private readonly int _mask;
    private long _head;      // published end of committed records (writer stores, readers load)
    private long _tail;      // start of the oldest unread record (CAS by the consumer, and by the writer when overwriting)
    private long _reserved;  // writer-private: start of the reserved record, or -1
    private int _reservedPad;
    // _written, _bytes, _dropped and _overrun have one writer (the writing thread): plain increments published with
    // release writes, which readers pair with acquire reads (no locked instruction on the write path).
    // _read is advanced by consumers, who may race each other: interlocked.
    private long _written, _overrun, _dropped, _read, _bytes;

    /// <summary>Creates a buffer of <paramref name="capacity"/> bytes (rounded up to a power of two, at least 4 KiB).</summary>
    public RingBuffer(int id, int cpu, int capacity, bool overwrite)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 30);
        var size = (int)Math.Max(4096, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity));
        _data = new byte[size];
        _mask = size - 1;
        _reserved = -1;
        Id = id;
        Cpu = cpu;
        Overwrite = overwrite;
    }

    /// <summary>The buffer's index in its session.</summary>
    public int Id { get; }

    /// <summary>The CPU its writer ran as when the buffer was made.</summary>
    public int Cpu { get; }

    /// <summary>The id of the session whose thread-local buffer this is (0 for a buffer made on its own).</summary>
    internal long SessionId { get; init; }

    /// <summary>Overwrite (flight recorder: oldest lost, counted as overrun) or discard (newest dropped).</summary>
    public bool Overwrite { get; }

    /// <summary>Capacity in bytes.</summary>
    public int Capacity => _data.Length;

    /// <summary>The largest record payload that fits.</summary>
    public int MaxPayload => (_data.Length / 2) - HeaderSize;

    /// <summary>Current counters.</summary>
    public RingBufferStats Stats
    {
        get
        {
            var written = Volatile.Read(ref _written);
            var read = Volatile.Read(ref _read);
            var overrun = Volatile.Read(ref _overrun);
            return new RingBufferStats(Id, Cpu, written - read - overrun, written, overrun, Volatile.Read(ref _dropped), read, Volatile.Read(ref _bytes));
        }
    }

    /// <summary>Events lost so far (overrun + dropped), for "[LOST N EVENTS]" markers.</summary>
    public long Lost => Volatile.Read(ref _overrun) + Volatile.Read(ref _dropped);

    /// <summary>Reserves space for a payload; the writer thread only. Returns an empty span when the record is dropped.</summary>
    public Span<byte> Reserve(int payloadSize)
    {
        var total = Align8(HeaderSize + payloadSize);
        if (total > _data.Length / 2)
        {
            Volatile.Write(ref _dropped, _dropped + 1);
            return [];
        }

        var head = _head;
        var index = (int)(head & _mask);
        var pad = index + total > _data.Length ? _data.Length - index : 0;
        var need = pad + total;
        while (head + need - Volatile.Read(ref _tail) > _data.Length)
        {
            if (!Overwrite)
            {
                Volatile.Write(ref _dropped, _dropped + 1);
                return [];
            }

            // Nothing to reclaim means a consumer emptied the buffer since the check: loop to re-check, never drop.
            // That terminates: need < capacity (total <= capacity / 2, and padding < total).
            ReclaimOldest();
        }

        // Published before the writer reads the clock, so trace_pipe can tell "empty" from "a record is coming"
        // (TracePipe's watermark; the counter clock's interlocked increment orders this store before its value).
        Volatile.Write(ref _reserved, head);
        _reservedPad = pad;
        var start = (int)((head + pad) & _mask);
        return _data.AsSpan(start + HeaderSize, total - HeaderSize);
    }

    /// <summary>Publishes the reserved record with its timestamp; the writer thread only.</summary>
    public void Commit(int payloadSize, long timestamp)
    {
        var head = _reserved;
        if (head < 0)
        {
            throw new InvalidOperationException("Commit without a reservation.");
        }

        var pad = _reservedPad;
        if (pad > 0)
        {
            // Padding may be as short as 8 bytes: only its size word is written and read.
            BinaryPrimitives.WriteUInt32LittleEndian(_data.AsSpan((int)(head & _mask)), (uint)pad | PaddingFlag);
        }

        var total = Align8(HeaderSize + payloadSize);
        WriteHeader((int)((head + pad) & _mask), (uint)total, timestamp);
        Volatile.Write(ref _written, _written + 1);
        Volatile.Write(ref _bytes, _bytes + total);
        Volatile.Write(ref _head, head + pad + total);
        // After _head: a reader that sees no reservation then sees this record.
        Volatile.Write(ref _reserved, -1);
    }

    /// <summary>
    /// Where the writer has a record reserved but not committed, or -1. Read before <see cref="TryConsume"/>: -1 and an
    /// empty buffer then mean every later record of this buffer takes its timestamp after this read.
    /// </summary>
    internal long ReservedPosition => Volatile.Read(ref _reserved);

    /// <summary>
    /// Empties the buffer without copying, counting its records as read (as clearing the kernel's <c>trace</c> file).
    /// The writer thread only, and only while no reader runs: the benchmarks use it to keep a ring from filling.
    /// </summary>
    internal void Clear()
    {
        Volatile.Write(ref _read, Volatile.Read(ref _written) - Volatile.Read(ref _overrun));
        Volatile.Write(ref _tail, _head);
    }

    /// <summary>Forgets the reservation (a filter rejected the record); the writer thread only.</summary>
    public void Discard() => Volatile.Write(ref _reserved, -1);

    /// <summary>Consumes the oldest record, copying its payload; false when the buffer is empty.</summary>
    public bool TryConsume(out long timestamp, out byte[] payload)
    {
        while (true)
        {
            var tail = Volatile.Read(ref _tail);
            if (tail == Volatile.Read(ref _head))
            {
                timestamp = 0;
                payload = [];
                return false;
            }

            var copied = TryCopy(tail, out var size, out timestamp, out payload);
            // Claim the record; if the writer reclaimed it meanwhile, it counted it as overrun: drop our copy.
            if (Interlocked.CompareExchange(ref _tail, tail + size, tail) != tail)
            {
                continue;
            }

            if (copied)
            {
                Interlocked.Increment(ref _read);
                return true;
            }
        }
    }

    /// <summary>Copies every record now in the buffer without consuming (records overwritten while copying are skipped).</summary>
    public List<(long Timestamp, byte[] Payload)> Snapshot()
    {
        var records = new List<(long, byte[])>();
        var position = Volatile.Read(ref _tail);
        var head = Volatile.Read(ref _head);
        while (position < head)
        {
            if (Volatile.Read(ref _tail) > position)
            {
                position = Volatile.Read(ref _tail); // the writer or a consumer moved past us
                continue;
            }

            var copied = TryCopy(position, out var size, out var timestamp, out var payload);
            if (Volatile.Read(ref _tail) > position)
            {
                continue; // possibly overwritten while copying
            }

            if (copied)
            {
                records.Add((timestamp, payload));
            }

            position += size;
        }

        return records;
    }

    // Copies the record at `position`; returns false for padding. The caller validates _tail afterwards.
    private bool TryCopy(long position, out int size, out long timestamp, out byte[] payload)
    {
        var index = (int)(position & _mask);
        var word = BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(index));
        size = (int)(word & ~PaddingFlag);
        if ((word & PaddingFlag) != 0 || size < HeaderSize || index + size > _data.Length)
        {
            // Padding, or a header torn by a concurrent overwrite (then the caller's _tail check rejects it).
            size = Math.Max(size, 8);
            timestamp = 0;
            payload = [];
            return false;
        }

        timestamp = BinaryPrimitives.ReadInt64LittleEndian(_data.AsSpan(index + 8));
        payload = _data.AsSpan(index + HeaderSize, size - HeaderSize).ToArray();
        return true;
    }

    private bool ReclaimOldest()
    {
        var tail = Volatile.Read(ref _tail);
        if (tail == _head)
        {
            return false;
        }

        var word = BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan((int)(tail & _mask)));
        var size = word & ~PaddingFlag;
        if (Interlocked.CompareExchange(ref _tail, tail + size, tail) == tail && (word & PaddingFlag) == 0)
        {
            Volatile.Write(ref _overrun, _overrun + 1);
        }

        return true;
    }

    private void WriteHeader(int index, uint size, long timestamp)
    {
        var span = _data.AsSpan(index, 16);
        BinaryPrimitives.WriteUInt32LittleEndian(span, size);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], timestamp);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Align8(int value) => (value + 7) & ~7;
}

/// <summary>A buffer's counters, as the kernel's per_cpu/cpuN/stats file lists them.</summary>
/// <param name="Buffer">The buffer id.</param>
/// <param name="Cpu">The CPU its writer ran as.</param>
/// <param name="Entries">Records in the buffer now.</param>
/// <param name="Written">Records committed.</param>
/// <param name="Overrun">Records lost to overwriting (overwrite mode).</param>
/// <param name="Dropped">Records never written because the buffer was full (discard mode) or too large.</param>
/// <param name="Read">Records consumed.</param>
/// <param name="Bytes">Bytes committed, headers and padding included.</param>
public sealed record RingBufferStats(int Buffer, int Cpu, long Entries, long Written, long Overrun, long Dropped, long Read, long Bytes);
