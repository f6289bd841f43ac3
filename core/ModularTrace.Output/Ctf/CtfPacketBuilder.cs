using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Diagnostics;
using ModularTrace.Buffers;
using ModularTrace.Events;

namespace ModularTrace.Output.Ctf;

/// <summary>
/// Assembles one CTF packet at a time for one stream: packet header, packet context, then events, each field at its
/// natural alignment counted from the packet start (CTF aligns relative to the packet). The layout matches the
/// TSDL <see cref="CtfMetadata"/> writes.
/// </summary>
internal sealed class CtfPacketBuilder
{
    /// <summary>The packet header's magic number.</summary>
    public const uint Magic = 0xC1FC1FC1;

    /// <summary>Bytes of packet header (magic, uuid, stream_id) and packet context before the first event.</summary>
    public const int EventsOffset = 76;

    /// <summary>Packets are padded to a multiple of this many bytes.</summary>
    public const int PacketAlignment = 4096;

    /// <summary>The common fields carried as the stream's event context (the event id is the header's).</summary>
    public static readonly ImmutableArray<EventField> ContextFields =
        [.. EventLayout.CommonFields.Where(field => field.Name != "common_type")];

    private static readonly int s_contextAlignment = StructAlignment(ContextFields);

    private readonly int _capacity;
    private readonly byte[] _uuid;
    private readonly uint _cpu;
    private byte[] _data;
    private int _length;
    private long _begin;
    private long _end;

    public CtfPacketBuilder(int capacity, byte[] uuid, int cpu)
    {
        _capacity = capacity;
        _data = new byte[capacity];
        _uuid = uuid;
        _cpu = unchecked((uint)cpu);
    }

    /// <summary>Events in the packet being built.</summary>
    public int Events { get; private set; }

    /// <summary>Begins an empty packet whose time range starts (and for now ends) at <paramref name="timestamp"/>.</summary>
    public void Start(long timestamp)
    {
        _length = EventsOffset;
        _begin = _end = timestamp;
        Events = 0;
    }

    /// <summary>Appends a record as an event; false when the packet has events and this one does not fit.</summary>
    /// <remarks>An event larger than an empty packet gets a packet of its own, grown to fit.</remarks>
    public bool TryAppend(TraceRecord record, TraceEvent ev)
    {
        var end = Encode(record, ev, _length, write: false);
        if (end > _capacity || end > _data.Length)
        {
            if (Events > 0)
            {
                return false;
            }

            if (end > _data.Length)
            {
                Array.Resize(ref _data, AlignUp(end, PacketAlignment));
            }
        }

        _length = Encode(record, ev, _length, write: true);
        _end = record.Timestamp;
        Events++;
        return true;
    }

    /// <summary>Completes the packet: header, context with the given counters, zero padding. Valid until the next <see cref="Start"/>.</summary>
    public ReadOnlyMemory<byte> Finish(long sequence, long discarded)
    {
        var size = AlignUp(_length, PacketAlignment);
        var packet = _data.AsSpan(0, size);
        packet[_length..].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(packet, Magic);
        _uuid.CopyTo(packet[4..20]);
        BinaryPrimitives.WriteUInt32LittleEndian(packet[20..], CtfMetadata.StreamId);
        BinaryPrimitives.WriteInt64LittleEndian(packet[24..], _begin);
        BinaryPrimitives.WriteInt64LittleEndian(packet[32..], _end);
        BinaryPrimitives.WriteInt64LittleEndian(packet[40..], (long)_length * 8);
        BinaryPrimitives.WriteInt64LittleEndian(packet[48..], (long)size * 8);
        BinaryPrimitives.WriteInt64LittleEndian(packet[56..], sequence);
        BinaryPrimitives.WriteInt64LittleEndian(packet[64..], discarded);
        BinaryPrimitives.WriteUInt32LittleEndian(packet[72..], _cpu);
        return _data.AsMemory(0, size);
    }

    // Lays the event out from `position`; with write false it only measures. Returns the end position.
    private int Encode(TraceRecord record, TraceEvent ev, int position, bool write)
    {
        // A CTF struct is aligned as its most aligned member: the header (u16 id, u64 timestamp) on 8 bytes.
        var data = record.Data;
        position = AlignUp(position, 8);
        if (write)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(_data.AsSpan(position), ev.Id);
        }

        position = AlignUp(position + 2, 8);
        if (write)
        {
            BinaryPrimitives.WriteInt64LittleEndian(_data.AsSpan(position), record.Timestamp);
        }

        position = AlignUp(position + 8, s_contextAlignment);
        foreach (var field in ContextFields)
        {
            position = EncodeField(data, field, position, write);
        }

        var fields = ev.Class.Layout.Fields;
        position = AlignUp(position, StructAlignment(fields));
        foreach (var field in fields)
        {
            position = EncodeField(data, field, position, write);
        }

        return position;
    }

    /// <summary>The byte alignment of a struct of these fields: its most aligned member's (1 when empty).</summary>
    public static int StructAlignment(ImmutableArray<EventField> fields)
    {
        var alignment = 1;
        foreach (var field in fields)
        {
            alignment = Math.Max(alignment, FieldAlignment(field));
        }

        return alignment;
    }

    private static int FieldAlignment(EventField field) => field.Type switch
    {
        _ when ReferenceEquals(field, EventLayout.TraceIdField) => 1,
        FieldType.Chars or FieldType.DataLoc => 1,
        _ => field.Size,
    };

    /// <summary>Characters of the trace id's text array in the event context.</summary>
    public const int TraceIdHexLength = 32;

    private int EncodeField(byte[] data, EventField field, int position, bool write)
    {
        if (ReferenceEquals(field, EventLayout.TraceIdField))
        {
            if (write)
            {
                var written = Convert.TryToHexStringLower(data.AsSpan(field.Offset, field.Size), _data.AsSpan(position, TraceIdHexLength), out _);
                Debug.Assert(written, "16 bytes are 32 hex digits");
            }

            return position + TraceIdHexLength;
        }

        if (field.Type == FieldType.Chars)
        {
            // A text array of the slot's N bytes: the text up to its first NUL, then NULs.
            if (write)
            {
                var text = RecordValues.ReadUtf8(data, field);
                var slot = _data.AsSpan(position, field.Size);
                text.CopyTo(slot);
                slot[text.Length..].Clear();
            }

            return position + field.Size;
        }

        if (field.Type == FieldType.DataLoc)
        {
            // A CTF string: the text up to its first NUL, then one NUL.
            var text = RecordValues.ReadUtf8(data, field);
            if (write)
            {
                text.CopyTo(_data.AsSpan(position));
                _data[position + text.Length] = 0;
            }

            return position + text.Length + 1;
        }

        // Integers keep the record's little-endian bytes, at their natural alignment.
        position = AlignUp(position, field.Size);
        if (write)
        {
            data.AsSpan(field.Offset, field.Size).CopyTo(_data.AsSpan(position));
        }

        return position + field.Size;
    }

    private static int AlignUp(int value, int alignment) => (value + alignment - 1) / alignment * alignment;
}
