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
    public const int CommonSize = 28;

    /// <summary>
    /// The writer's <see cref="System.Diagnostics.Activity"/> trace id, <c>u8 common_trace_id[16]</c>: the W3C
    /// trace id's 16 bytes in their hex order, all zero when the writer had no Activity (or a hierarchical one).
    /// </summary>
    /// <remarks>
    /// An awaited request runs its continuations on whichever pool thread is free, so its records land in several
    /// per-thread buffers under several pids; the trace id is what they share (and what OpenTelemetry exports).
    /// </remarks>
    public static readonly EventField TraceIdField = new("common_trace_id", FieldType.U8, 12, 16);

    /// <summary>
    /// The common fields, as the kernel's (plus <c>common_cpu</c>, since our buffers are per thread, and
    /// <see cref="TraceIdField"/>). In a program that is not a simulated kernel, <c>common_pid</c> is the OS thread id.
    /// </summary>
    public static readonly ImmutableArray<EventField> CommonFields =
    [
        new("common_type", FieldType.U16, 0, 2),
        new("common_flags", FieldType.U8, 2, 1),
        new("common_preempt_count", FieldType.U8, 3, 1),
        new("common_pid", FieldType.S32, 4, 4),
        new("common_cpu", FieldType.U32, 8, 4),
        TraceIdField,
    ];

    internal EventLayout(ImmutableArray<EventField> fields, int fixedSize)
    {
        Fields = fields;
        FixedSize = fixedSize;
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
        : throw new KeyNotFoundException($"no field '{name}'; fields: {string.Join(", ", AllFields.Select(f => f.Name).Order(StringComparer.Ordinal))}");

    /// <summary>Looks a field up by name, common fields included.</summary>
    /// <remarks>
    /// A linear search: lookups happen when filters, triggers and print formats are parsed, never per record, and a
    /// layout has a few dozen fields at most. A frozen dictionary per layout cost more memory than the rest of the
    /// event together (issue #23: 1,720 B per event before).
    /// </remarks>
    public bool TryGetField(string name, [NotNullWhen(true)] out EventField? field)
    {
        ArgumentNullException.ThrowIfNull(name);
        field = Find(CommonFields, name) ?? Find(Fields, name);
        return field is not null;
    }

    private static EventField? Find(ImmutableArray<EventField> fields, string name)
    {
        foreach (var field in fields)
        {
            if (string.Equals(field.Name, name, StringComparison.Ordinal))
            {
                return field;
            }
        }

        return null;
    }

    /// <summary>Every field, common first.</summary>
    public IEnumerable<EventField> AllFields => CommonFields.Concat(Fields);
}
