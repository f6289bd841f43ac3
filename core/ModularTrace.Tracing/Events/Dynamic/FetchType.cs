using System.Collections.Frozen;

namespace ModularTrace.Events.Dynamic;

/// <summary>How a dynamic event records one hook argument: the kernel's probe fetch types (<c>u32</c>, <c>x64</c>, <c>string</c>, ...).</summary>
public enum FetchType
{
    /// <summary>Unsigned 8-bit, decimal.</summary>
    U8,
    /// <summary>Unsigned 16-bit, decimal.</summary>
    U16,
    /// <summary>Unsigned 32-bit, decimal.</summary>
    U32,
    /// <summary>Unsigned 64-bit, decimal.</summary>
    U64,
    /// <summary>Signed 8-bit, decimal.</summary>
    S8,
    /// <summary>Signed 16-bit, decimal.</summary>
    S16,
    /// <summary>Signed 32-bit, decimal.</summary>
    S32,
    /// <summary>Signed 64-bit, decimal.</summary>
    S64,
    /// <summary>8 bits, printed <c>0x%x</c>.</summary>
    X8,
    /// <summary>16 bits, printed <c>0x%x</c>.</summary>
    X16,
    /// <summary>32 bits, printed <c>0x%x</c>.</summary>
    X32,
    /// <summary>64 bits, printed <c>0x%llx</c>.</summary>
    X64,
    /// <summary>The kernel's <c>string</c>: recorded as <c>__data_loc char[]</c> and printed in double quotes.</summary>
    Text,
    /// <summary>The kernel's <c>char</c>: one character, printed in single quotes.</summary>
    Character,
    /// <summary>A boolean, one byte.</summary>
    Bool,
}

/// <summary>Spellings of <see cref="FetchType"/> and which hook argument types each one may record.</summary>
/// <remarks>
/// Integer fetch types take any integer argument and convert as the kernel's fetch args do: a wider argument is
/// truncated silently, a narrower one is sign- or zero-extended as its own type is signed or not.
/// <c>string</c>, <c>char</c> and <c>bool</c> take only an argument of that same type.
/// </remarks>
public static class FetchTypes
{
    // The kernel's names first, then C spellings (LP64: long is 64 bits), then the C# keywords hook prototypes use.
    private static readonly FrozenDictionary<string, FetchType> s_spellings = new Dictionary<string, FetchType>(StringComparer.Ordinal)
    {
        ["u8"] = FetchType.U8, ["u16"] = FetchType.U16, ["u32"] = FetchType.U32, ["u64"] = FetchType.U64,
        ["s8"] = FetchType.S8, ["s16"] = FetchType.S16, ["s32"] = FetchType.S32, ["s64"] = FetchType.S64,
        ["x8"] = FetchType.X8, ["x16"] = FetchType.X16, ["x32"] = FetchType.X32, ["x64"] = FetchType.X64,
        ["string"] = FetchType.Text, ["char"] = FetchType.Character, ["bool"] = FetchType.Bool,
        ["signed char"] = FetchType.S8, ["unsigned char"] = FetchType.U8,
        ["short"] = FetchType.S16, ["short int"] = FetchType.S16, ["signed short"] = FetchType.S16,
        ["unsigned short"] = FetchType.U16, ["unsigned short int"] = FetchType.U16,
        ["int"] = FetchType.S32, ["signed"] = FetchType.S32, ["signed int"] = FetchType.S32,
        ["unsigned"] = FetchType.U32, ["unsigned int"] = FetchType.U32,
        ["long"] = FetchType.S64, ["long int"] = FetchType.S64, ["signed long"] = FetchType.S64,
        ["long long"] = FetchType.S64, ["signed long long"] = FetchType.S64,
        ["unsigned long"] = FetchType.U64, ["unsigned long int"] = FetchType.U64, ["unsigned long long"] = FetchType.U64,
        ["size_t"] = FetchType.U64, ["ssize_t"] = FetchType.S64, ["pid_t"] = FetchType.S32,
        ["byte"] = FetchType.U8, ["sbyte"] = FetchType.S8, ["ushort"] = FetchType.U16, ["uint"] = FetchType.U32, ["ulong"] = FetchType.U64,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Every accepted spelling (words separated by one space) and the fetch type it means.</summary>
    public static IReadOnlyDictionary<string, FetchType> Spellings => s_spellings;

    /// <summary>Looks a spelling up (<c>x32</c>, <c>unsigned long</c>, <c>int</c>); words must be separated by one space.</summary>
    public static bool TryParse(string spelling, out FetchType type) => s_spellings.TryGetValue(spelling, out type);

    /// <summary>The kernel's name of a fetch type (<c>u32</c>, <c>x64</c>, <c>string</c>).</summary>
    public static string KernelName(this FetchType type) => type switch
    {
        FetchType.Text => "string",
        FetchType.Character => "char",
        FetchType.Bool => "bool",
        _ => type.ToString().ToLowerInvariant(),
    };

    /// <summary>Whether values print in hex.</summary>
    public static bool IsHex(this FetchType type) => type is FetchType.X8 or FetchType.X16 or FetchType.X32 or FetchType.X64;

    /// <summary>Whether the type records an integer (the u, s and x types).</summary>
    public static bool IsInteger(this FetchType type) => type <= FetchType.X64;

    /// <summary>The record field type that stores it.</summary>
    public static FieldType StorageType(this FetchType type) => type switch
    {
        FetchType.U8 or FetchType.X8 => FieldType.U8,
        FetchType.U16 or FetchType.X16 => FieldType.U16,
        FetchType.U32 or FetchType.X32 => FieldType.U32,
        FetchType.U64 or FetchType.X64 => FieldType.U64,
        FetchType.S8 => FieldType.S8,
        FetchType.S16 => FieldType.S16,
        FetchType.S32 => FieldType.S32,
        FetchType.S64 => FieldType.S64,
        FetchType.Text => FieldType.DataLoc,
        FetchType.Character => FieldType.Chars,
        FetchType.Bool => FieldType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>The fetch type an argument gets when the spec names it without a type (its own width and sign).</summary>
    /// <exception cref="ArgumentException">The type is not a hook argument type.</exception>
    public static FetchType Natural(Type argumentType)
    {
        ArgumentNullException.ThrowIfNull(argumentType);
        return TryNatural(argumentType, out var type)
            ? type
            : throw new ArgumentException($"Type '{argumentType}' is not a hook argument type.", nameof(argumentType));
    }

    /// <summary>Whether a fetch type may record an argument of <paramref name="argumentType"/> (see the class remarks).</summary>
    public static bool Fits(this FetchType type, Type argumentType)
    {
        ArgumentNullException.ThrowIfNull(argumentType);
        if (!TryNatural(argumentType, out var natural))
        {
            return false;
        }

        return type.IsInteger() ? natural.IsInteger() : type == natural;
    }

    private static bool TryNatural(Type argumentType, out FetchType type)
    {
        type = argumentType == typeof(byte) ? FetchType.U8
            : argumentType == typeof(sbyte) ? FetchType.S8
            : argumentType == typeof(short) ? FetchType.S16
            : argumentType == typeof(ushort) ? FetchType.U16
            : argumentType == typeof(int) ? FetchType.S32
            : argumentType == typeof(uint) ? FetchType.U32
            : argumentType == typeof(long) ? FetchType.S64
            : argumentType == typeof(ulong) ? FetchType.U64
            : argumentType == typeof(string) ? FetchType.Text
            : argumentType == typeof(char) ? FetchType.Character
            : argumentType == typeof(bool) ? FetchType.Bool
            : (FetchType)(-1);
        return type >= 0;
    }
}
