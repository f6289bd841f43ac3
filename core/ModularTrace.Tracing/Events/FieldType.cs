namespace ModularTrace.Events;

/// <summary>The storage type of an event field, as the kernel's format files spell them.</summary>
public enum FieldType
{
    /// <summary>Unsigned 8-bit.</summary>
    U8,
    /// <summary>Signed 8-bit.</summary>
    S8,
    /// <summary>Unsigned 16-bit.</summary>
    U16,
    /// <summary>Signed 16-bit.</summary>
    S16,
    /// <summary>Unsigned 32-bit.</summary>
    U32,
    /// <summary>Signed 32-bit.</summary>
    S32,
    /// <summary>Unsigned 64-bit.</summary>
    U64,
    /// <summary>Signed 64-bit.</summary>
    S64,
    /// <summary>A boolean stored in one byte (0 or 1).</summary>
    Bool,
    /// <summary>A fixed <c>char[N]</c>, UTF-8, NUL-padded, truncated to N-1 bytes.</summary>
    Chars,
    /// <summary>A variable-length string: <c>__data_loc char[]</c>, a u32 (offset | length &lt;&lt; 16) into the record's tail.</summary>
    DataLoc,
}

/// <summary>Facts about <see cref="FieldType"/> values.</summary>
public static class FieldTypes
{
    /// <summary>Whether values of the type are signed integers.</summary>
    public static bool IsSigned(this FieldType type) => type is FieldType.S8 or FieldType.S16 or FieldType.S32 or FieldType.S64;

    /// <summary>Whether the type holds text.</summary>
    public static bool IsText(this FieldType type) => type is FieldType.Chars or FieldType.DataLoc;

    /// <summary>The byte size of a scalar type (the slot size for text types: N for Chars, 4 for DataLoc).</summary>
    public static int ScalarSize(this FieldType type) => type switch
    {
        FieldType.U8 or FieldType.S8 or FieldType.Bool => 1,
        FieldType.U16 or FieldType.S16 => 2,
        FieldType.U32 or FieldType.S32 or FieldType.DataLoc => 4,
        FieldType.U64 or FieldType.S64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Chars has no scalar size."),
    };

    /// <summary>The C type name a format file shows (<c>u32</c>, <c>s64</c>, <c>bool</c>, <c>char</c>).</summary>
    public static string CName(this FieldType type) => type switch
    {
        FieldType.U8 => "u8",
        FieldType.S8 => "s8",
        FieldType.U16 => "u16",
        FieldType.S16 => "s16",
        FieldType.U32 => "u32",
        FieldType.S32 => "s32",
        FieldType.U64 => "u64",
        FieldType.S64 => "s64",
        FieldType.Bool => "bool",
        FieldType.Chars or FieldType.DataLoc => "char",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
