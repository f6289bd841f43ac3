using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace ModularTrace.Events;

/// <summary>
/// The record layout of an event class: the common fields, then the event's own fields at naturally aligned
/// offsets (<c>TP_STRUCT__entry</c>). Immutable once built.
/// </summary>
public sealed class EventLayout
{
    /// <summary>The size of the common header every record starts with.</summary>
    public const int CommonSize = 12;

    /// <summary>The common fields, as the kernel's (plus <c>common_cpu</c>, since our buffers are per thread).</summary>
    public static readonly ImmutableArray<EventField> CommonFields =
    [
        new("common_type", FieldType.U16, 0, 2),
        new("common_flags", FieldType.U8, 2, 1),
        new("common_preempt_count", FieldType.U8, 3, 1),
        new("common_pid", FieldType.S32, 4, 4),
        new("common_cpu", FieldType.U32, 8, 4),
    ];

    private readonly FrozenDictionary<string, EventField> _byName;

    internal EventLayout(ImmutableArray<EventField> fields, int fixedSize)
    {
        Fields = fields;
        FixedSize = fixedSize;
        _byName = CommonFields.Concat(fields).ToFrozenDictionary(field => field.Name, StringComparer.Ordinal);
        DynamicFieldCount = fields.Count(field => field.Type == FieldType.DataLoc);
    }

    /// <summary>The event's own fields in declaration order (common fields excluded).</summary>
    public ImmutableArray<EventField> Fields { get; }

    /// <summary>Bytes of the fixed part (common header and every slot), before any <c>__data_loc</c> data.</summary>
    public int FixedSize { get; }

    /// <summary>How many variable-length string fields the layout has.</summary>
    public int DynamicFieldCount { get; }

    /// <summary>A field by name, common fields included.</summary>
    /// <exception cref="KeyNotFoundException">No such field; the message lists the valid ones.</exception>
    public EventField this[string name] => TryGetField(name, out var field)
        ? field
        : throw new KeyNotFoundException($"no field '{name}'; fields: {string.Join(", ", _byName.Keys.Order(StringComparer.Ordinal))}");

    /// <summary>Looks a field up by name, common fields included.</summary>
    public bool TryGetField(string name, [NotNullWhen(true)] out EventField? field) => _byName.TryGetValue(name, out field);

    /// <summary>Every field, common first.</summary>
    public IEnumerable<EventField> AllFields => CommonFields.Concat(Fields);
}
