using System.Buffers.Binary;
using System.Text;
using ModularTrace.Events;

namespace ModularTrace.Core.Tests.Events;

/// <summary>Builds record bytes for a layout without a session, the way <see cref="EventWriter"/> lays them out.</summary>
internal sealed class TestRecord(EventLayout layout)
{
    private readonly byte[] _bytes = new byte[layout.FixedSize + 1024];
    private int _end = layout.FixedSize;

    /// <summary>The sched_switch layout of the sched module (plus nothing else).</summary>
    public static EventLayout SchedSwitch()
    {
        var b = new EventLayoutBuilder();
        b.Chars("prev_comm", 16);
        b.S32("prev_pid");
        b.S32("prev_prio");
        b.S64("prev_state");
        b.Chars("next_comm", 16);
        b.S32("next_pid");
        b.S32("next_prio");
        return b.Build();
    }

    public TestRecord Set(string name, long value)
    {
        var field = layout[name];
        var at = _bytes.AsSpan(field.Offset);
        switch (field.Size)
        {
            case 1: at[0] = (byte)value; break;
            case 2: BinaryPrimitives.WriteInt16LittleEndian(at, (short)value); break;
            case 4: BinaryPrimitives.WriteInt32LittleEndian(at, (int)value); break;
            default: BinaryPrimitives.WriteInt64LittleEndian(at, value); break;
        }

        return this;
    }

    public TestRecord Set(string name, ulong value) => Set(name, unchecked((long)value));

    public TestRecord Set(string name, string text)
    {
        var field = layout[name];
        var utf8 = Encoding.UTF8.GetBytes(text);
        if (field.Type == FieldType.Chars)
        {
            var slot = _bytes.AsSpan(field.Offset, field.Size);
            slot.Clear();
            utf8.AsSpan(0, Math.Min(utf8.Length, field.Size - 1)).CopyTo(slot);
            return this;
        }

        utf8.CopyTo(_bytes, _end);
        _bytes[_end + utf8.Length] = 0;
        var length = utf8.Length + 1;
        BinaryPrimitives.WriteUInt32LittleEndian(_bytes.AsSpan(field.Offset), (uint)_end | ((uint)length << 16));
        _end += length;
        return this;
    }

    public byte[] Build() => _bytes[.._end];
}
