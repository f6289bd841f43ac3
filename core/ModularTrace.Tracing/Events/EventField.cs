using System.Globalization;

namespace ModularTrace.Events;

/// <summary>One field of an event record: name, type, and where it sits in the record.</summary>
/// <param name="Name">The field name (what filters and print formats refer to).</param>
/// <param name="Type">The storage type.</param>
/// <param name="Offset">Byte offset from the start of the record (common fields included).</param>
/// <param name="Size">Byte size of the slot (N for <c>char[N]</c>, 4 for <c>__data_loc</c>).</param>
public sealed record EventField(string Name, FieldType Type, int Offset, int Size)
{
    /// <summary>Whether the value is a signed integer (the format file's <c>signed:</c>).</summary>
    public bool IsSigned => Type.IsSigned();

    /// <summary>
    /// Whether the slot holds several values of a scalar type (<c>u8 common_trace_id[16]</c>): filters, hist keys and
    /// print formats, which read one value, refuse it.
    /// </summary>
    public bool IsArray => !Type.IsText() && Size != Type.ScalarSize();

    /// <summary>The declaration as a format file prints it: <c>char prev_comm[16]</c>, <c>__data_loc char[] filename</c>.</summary>
    public string Declaration => Type switch
    {
        FieldType.Chars => string.Create(CultureInfo.InvariantCulture, $"char {Name}[{Size}]"),
        FieldType.DataLoc => $"__data_loc char[] {Name}",
        _ when IsArray => string.Create(CultureInfo.InvariantCulture, $"{Type.CName()} {Name}[{Size / Type.ScalarSize()}]"),
        _ => $"{Type.CName()} {Name}",
    };

    /// <summary>The field's format-file line, without the leading tab.</summary>
    public string FormatLine => string.Create(
        CultureInfo.InvariantCulture,
        $"field:{Declaration};\toffset:{Offset};\tsize:{Size};\tsigned:{(IsSigned ? 1 : 0)};");
}
