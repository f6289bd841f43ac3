using System.Collections.Immutable;
using ModularTrace.Hooks;

namespace ModularTrace.Events;

/// <summary>Builds an <see cref="EventLayout"/>; each method adds a field and returns its handle for the assign step.</summary>
/// <example><code>
/// var b = new EventLayoutBuilder();
/// var comm = b.Chars("comm", 16);
/// var pid = b.S32("pid");
/// var layout = b.Build();
/// </code></example>
public sealed class EventLayoutBuilder
{
    private readonly List<EventField> _fields = [];
    private int _offset = EventLayout.CommonSize;

    /// <summary>Adds an unsigned 8-bit field.</summary>
    public EventField U8(string name) => Add(name, FieldType.U8);

    /// <summary>Adds a signed 8-bit field.</summary>
    public EventField S8(string name) => Add(name, FieldType.S8);

    /// <summary>Adds an unsigned 16-bit field.</summary>
    public EventField U16(string name) => Add(name, FieldType.U16);

    /// <summary>Adds a signed 16-bit field.</summary>
    public EventField S16(string name) => Add(name, FieldType.S16);

    /// <summary>Adds an unsigned 32-bit field.</summary>
    public EventField U32(string name) => Add(name, FieldType.U32);

    /// <summary>Adds a signed 32-bit field.</summary>
    public EventField S32(string name) => Add(name, FieldType.S32);

    /// <summary>Adds an unsigned 64-bit field.</summary>
    public EventField U64(string name) => Add(name, FieldType.U64);

    /// <summary>Adds a signed 64-bit field.</summary>
    public EventField S64(string name) => Add(name, FieldType.S64);

    /// <summary>Adds a boolean field (one byte).</summary>
    public EventField Bool(string name) => Add(name, FieldType.Bool);

    /// <summary>Adds a fixed <c>char[length]</c> field (UTF-8, NUL-padded; at most length-1 bytes kept).</summary>
    public EventField Chars(string name, int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 4096);
        return Add(name, FieldType.Chars, length, align: 1);
    }

    /// <summary>Adds a variable-length string field (<c>__data_loc char[]</c>).</summary>
    public EventField DynamicString(string name) => Add(name, FieldType.DataLoc);

    /// <summary>Adds a field of a given type (<see cref="Chars"/> needs its length: use that method).</summary>
    public EventField Add(string name, FieldType type) => type == FieldType.Chars
        ? throw new ArgumentException("char[N] fields need a length; call Chars(name, length).", nameof(type))
        : Add(name, type, type.ScalarSize(), type.ScalarSize());

    /// <summary>Freezes the layout.</summary>
    public EventLayout Build() => new([.. _fields], _offset);

    private EventField Add(string name, FieldType type, int size, int align)
    {
        if (!HookSignature.IsIdentifier(name) || name.StartsWith("common_", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Field name '{name}' is not an identifier or uses the reserved 'common_' prefix.", nameof(name));
        }

        if (_fields.Exists(field => field.Name == name))
        {
            throw new ArgumentException($"Field '{name}' is defined twice.", nameof(name));
        }

        // Natural alignment, as the C struct the kernel's TP_STRUCT__entry declares.
        _offset = (_offset + align - 1) & ~(align - 1);
        var field = new EventField(name, type, _offset, size);
        _offset += size;
        _fields.Add(field);
        return field;
    }
}
