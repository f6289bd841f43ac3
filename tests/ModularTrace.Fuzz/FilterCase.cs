using ModularTrace.Events;
using ModularTrace.Events.Filters;

namespace ModularTrace.Fuzz;

/// <summary>
/// The filter harness's fixed layout and record and its round-trip rule. Compiled into the fuzz app and into
/// Core.Tests (<c>FuzzRegressionTests</c>), so a kept crash input is judged the same way by both.
/// </summary>
internal static class FilterCase
{
    public static EventLayout Layout()
    {
        var b = new EventLayoutBuilder();
        b.Chars("comm", 16);
        b.S32("pid");
        b.U32("cpu");
        b.S64("delta");
        b.U8("flag");
        b.Bool("ok");
        b.DynamicString("name");
        return b.Build();
    }

    public static byte[] Record(EventLayout layout)
    {
        var record = new byte[layout.FixedSize + 16];
        "kworker/0:1"u8.CopyTo(record.AsSpan(layout["comm"].Offset));
        BitConverter.TryWriteBytes(record.AsSpan(layout["pid"].Offset), 42);
        BitConverter.TryWriteBytes(record.AsSpan(layout["cpu"].Offset), 1u);
        BitConverter.TryWriteBytes(record.AsSpan(layout["delta"].Offset), -5L);
        record[layout["flag"].Offset] = 3;
        record[layout["ok"].Offset] = 1;
        // __data_loc: length << 16 | offset, pointing at "sshd\0" after the fixed part.
        BitConverter.TryWriteBytes(record.AsSpan(layout["name"].Offset), (5 << 16) | layout.FixedSize);
        "sshd\0"u8.CopyTo(record.AsSpan(layout.FixedSize));
        return record;
    }

    /// <summary>What breaks the rule for an accepted <paramref name="filter"/>, or null: its normalised text parses
    /// again to the same text and agrees with it on <paramref name="record"/>.</summary>
    public static string? RoundTripViolation(EventFilter filter, EventLayout layout, byte[] record)
    {
        var again = EventFilterParser.Parse(filter.Text, layout);
        if (!again.IsSuccess)
        {
            return $"normalised text '{filter.Text}' does not parse: {again.Error}";
        }

        if (again.Value!.Text != filter.Text)
        {
            return $"normalising is not stable: '{filter.Text}' became '{again.Value.Text}'";
        }

        return again.Value.Matches(record) == filter.Matches(record) ? null : $"'{filter.Text}' and its normal form disagree on the fixed record";
    }
}
