using System.Diagnostics;
using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace ModularTrace.Events;

/// <summary>
/// An event's print format (<c>TP_printk</c>), written as a template: <c>"prev_comm={prev_comm} state=0x{prev_state:x}"</c>.
/// <c>{field}</c> prints a field (decimal for numbers), <c>{field:x}</c> in hex; <c>{{</c> and <c>}}</c> are braces.
/// The kernel-style <c>print fmt:</c> line of the format file is derived from it.
/// </summary>
public sealed class PrintFormat
{
    private readonly ImmutableArray<Segment> _segments;

    private PrintFormat(string template, ImmutableArray<Segment> segments)
    {
        Template = template;
        _segments = segments;
    }

    /// <summary>The template as given.</summary>
    public string Template { get; }

    /// <summary>The kernel-style text: <c>"prev_comm=%s ...", REC->prev_comm, ...</c>.</summary>
    /// <remarks>Made from the segments on each call (format files, CTF metadata), not kept: an event's memory is
    /// mostly such text (issue #23).</remarks>
    public string KernelText
    {
        get
        {
            var printf = new StringBuilder();
            var args = new StringBuilder();
            foreach (var segment in _segments)
            {
                if (segment.Field is not { } segmentField)
                {
                    foreach (var c in segment.Literal!)
                    {
                        _ = c switch
                        {
                            '%' => printf.Append("%%"),
                            '"' => printf.Append("\\\""),
                            _ => printf.Append(c),
                        };
                    }

                    continue;
                }

                printf.Append(PrintfSpec(segmentField, segment.Hex));
                args.Append(", ").Append(segmentField.Type == FieldType.DataLoc ? $"__get_str({segmentField.Name})" : $"REC->{segmentField.Name}");
            }

            return "\"" + printf + "\"" + args;
        }
    }

    /// <summary>Parses a template against a layout.</summary>
    /// <exception cref="FormatException">Unbalanced braces, an unknown field (the valid ones are listed) or spec.</exception>
    public static PrintFormat Parse(string template, EventLayout layout)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(layout);
        var segments = ImmutableArray.CreateBuilder<Segment>();
        var literal = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if ((c == '{' || c == '}') && i + 1 < template.Length && template[i + 1] == c)
            {
                literal.Append(c);
                i++;
                continue;
            }

            if (c == '}')
            {
                throw new FormatException($"print format: unmatched '}}' at {i}");
            }

            if (c != '{')
            {
                literal.Append(c);
                continue;
            }

            var end = template.IndexOf('}', i);
            if (end < 0)
            {
                throw new FormatException($"print format: unclosed '{{' at {i}");
            }

            var reference = template[(i + 1)..end];
            var colon = reference.IndexOf(':', StringComparison.Ordinal);
            var name = colon < 0 ? reference : reference[..colon];
            var spec = colon < 0 ? "" : reference[(colon + 1)..];
            if (!layout.TryGetField(name, out var field))
            {
                throw new FormatException($"print format: no field '{name}'; fields: {string.Join(", ", layout.AllFields.Select(f => f.Name))}");
            }

            if (field.IsArray)
            {
                throw new FormatException($"print format: '{name}' is {field.Declaration}; a print format shows numbers and text");
            }

            var hex = spec switch
            {
                "" => false,
                "x" when !field.Type.IsText() => true,
                _ => throw new FormatException($"print format: '{{{reference}}}' has an unknown spec '{spec}' (only 'x', on numbers)"),
            };
            if (literal.Length > 0)
            {
                segments.Add(new Segment(literal.ToString(), null, false));
                literal.Clear();
            }

            segments.Add(new Segment(null, field, hex));
            i = end;
        }

        if (literal.Length > 0)
        {
            segments.Add(new Segment(literal.ToString(), null, false));
        }

        return new PrintFormat(template, segments.ToImmutable());
    }

    /// <summary>Appends the formatted record to <paramref name="output"/>.</summary>
    public void Render(ReadOnlySpan<byte> record, StringBuilder output)
    {
        ArgumentNullException.ThrowIfNull(output);
        foreach (var segment in _segments)
        {
            if (segment.Field is null)
            {
                output.Append(segment.Literal);
            }
            else
            {
                RecordValues.Append(record, segment.Field, segment.Hex, output);
            }
        }
    }

    /// <summary>Formats a record to a string.</summary>
    public string Render(ReadOnlySpan<byte> record)
    {
        var text = new StringBuilder();
        Render(record, text);
        return text.ToString();
    }

    private static string PrintfSpec(EventField field, bool hex) => field.Type switch
    {
        FieldType.Chars or FieldType.DataLoc => "%s",
        FieldType.U64 or FieldType.S64 => hex ? "%llx" : field.IsSigned ? "%lld" : "%llu",
        _ => hex ? "%x" : field.IsSigned || field.Type == FieldType.Bool ? "%d" : "%u",
    };

    private sealed record Segment(string? Literal, EventField? Field, bool Hex);
}

/// <summary>Reads field values out of a record (the bytes after the ring buffer's header).</summary>
public static class RecordValues
{
    /// <summary>A numeric field's value, sign-extended for signed types.</summary>
    public static long ReadInt64(ReadOnlySpan<byte> record, EventField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        var at = record[field.Offset..];
        return field.Type switch
        {
            FieldType.U8 or FieldType.Bool => at[0],
            FieldType.S8 => (sbyte)at[0],
            FieldType.U16 => BinaryPrimitives.ReadUInt16LittleEndian(at),
            FieldType.S16 => BinaryPrimitives.ReadInt16LittleEndian(at),
            FieldType.U32 => BinaryPrimitives.ReadUInt32LittleEndian(at),
            FieldType.S32 => BinaryPrimitives.ReadInt32LittleEndian(at),
            FieldType.U64 or FieldType.S64 => BinaryPrimitives.ReadInt64LittleEndian(at),
            _ => throw new ArgumentException($"Field '{field.Name}' is text, not a number.", nameof(field)),
        };
    }

    /// <summary>A text field's bytes (UTF-8, without the terminating NUL).</summary>
    public static ReadOnlySpan<byte> ReadUtf8(ReadOnlySpan<byte> record, EventField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        ReadOnlySpan<byte> raw;
        if (field.Type == FieldType.Chars)
        {
            raw = record.Slice(field.Offset, field.Size);
        }
        else if (field.Type == FieldType.DataLoc)
        {
            var loc = BinaryPrimitives.ReadUInt32LittleEndian(record[field.Offset..]);
            int offset = (int)(loc & 0xffff), length = (int)(loc >> 16);
            raw = offset + length <= record.Length ? record.Slice(offset, length) : [];
        }
        else
        {
            throw new ArgumentException($"Field '{field.Name}' is a number, not text.", nameof(field));
        }

        var nul = raw.IndexOf((byte)0);
        return nul < 0 ? raw : raw[..nul];
    }

    /// <summary>The record's <c>common_trace_id</c>, or null when it is zero (the writer had no W3C Activity).</summary>
    public static ActivityTraceId? ReadTraceId(ReadOnlySpan<byte> record)
    {
        var field = EventLayout.TraceIdField;
        if (record.Length < field.Offset + field.Size)
        {
            return null;
        }

        var id = record.Slice(field.Offset, field.Size);
        return id.ContainsAnyExcept((byte)0) ? ActivityTraceId.CreateFromBytes(id) : null;
    }

    /// <summary>A text field as a string.</summary>
    public static string ReadString(ReadOnlySpan<byte> record, EventField field) => Encoding.UTF8.GetString(ReadUtf8(record, field));

    /// <summary>Appends a field's value as text (hex when asked, for numbers).</summary>
    public static void Append(ReadOnlySpan<byte> record, EventField field, bool hex, StringBuilder output)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(field);
        if (field.Type.IsText())
        {
            output.Append(ReadString(record, field));
            return;
        }

        var value = ReadInt64(record, field);
        if (hex)
        {
            var bits = field.Size * 8;
            var masked = bits == 64 ? (ulong)value : (ulong)value & ((1UL << bits) - 1);
            output.Append(masked.ToString("x", CultureInfo.InvariantCulture));
        }
        else if (field.Type == FieldType.U64)
        {
            output.Append(((ulong)value).ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            output.Append(value.ToString(CultureInfo.InvariantCulture));
        }
    }
}
