using System.Collections.Immutable;
using System.Numerics;
using ModularTrace.Events.Filters;

namespace ModularTrace.Events.Triggers;

/// <summary>The <c>hist:</c> part of <see cref="EventTriggerParser"/>, with the kernel's limits (<c>tracing_map.h</c>).</summary>
internal static class HistTriggerParser
{
    public const int DefaultSize = 1 << 11; // TRACING_MAP_BITS_DEFAULT
    public const int MinSize = 1 << 7;      // TRACING_MAP_BITS_MIN
    public const int MaxSize = 1 << 17;     // TRACING_MAP_BITS_MAX
    public const int MaxKeys = 3;           // TRACING_MAP_KEYS_MAX
    public const int MaxValues = 3;         // TRACING_MAP_VALS_MAX
    public const int MaxSortKeys = 2;       // TRACING_MAP_SORT_KEYS_MAX

    // A string key keeps at most this many bytes, NUL included (the kernel's MAX_FILTER_STR_VAL).
    public const int MaxStringKey = 256;

    /// <param name="text">The whole trigger text.</param>
    /// <param name="subsystem">The error_log subsystem.</param>
    /// <param name="commandAt">Where <c>hist</c> starts.</param>
    /// <param name="at">Where the attributes start (after <c>hist:</c>).</param>
    /// <param name="end">Where the attributes end (the first white space).</param>
    /// <param name="layout">The event's layout, where key and value fields are looked up.</param>
    /// <returns>What makes the trigger once its <c>if</c> filter is parsed, or the error.</returns>
    public static ParseResult<Func<EventFilter?, EventTrigger>> Parse(string text, string subsystem, int commandAt, int at, int end, EventLayout layout)
    {
        (int At, int End)? keysSpec = null, valuesSpec = null, sortSpec = null, sizeSpec = null;
        for (var segment = at; segment < end;)
        {
            var colon = text.IndexOf(':', segment, end - segment);
            var segmentEnd = colon < 0 ? end : colon;
            var equals = text.IndexOf('=', segment, segmentEnd - segment);
            var name = equals < 0 ? text[segment..segmentEnd] : text[segment..equals];
            var value = (equals + 1, segmentEnd);
            switch (equals < 0 ? "" : name)
            {
                case "keys" or "key": keysSpec = value; break;
                case "values" or "vals" or "val": valuesSpec = value; break;
                case "sort": sortSpec = value; break;
                case "size": sizeSpec = value; break;
                default: return Fail($"Unknown hist attribute '{name}' (known: keys=, vals=, sort=, size=)", segment);
            }

            segment = segmentEnd + 1;
        }

        if (keysSpec is null)
        {
            return Fail("Missing 'keys=': a hist trigger needs at least one key field", commandAt);
        }

        var keys = ImmutableArray.CreateBuilder<HistKeyField>();
        var keyOffset = 0;
        foreach (var (item, itemAt) in Items(text, keysSpec.Value))
        {
            if (keys.Count == MaxKeys)
            {
                return Fail($"Too many keys (at most {MaxKeys})", itemAt);
            }

            var error = ResolveField(item, itemAt, out var field, out var hex);
            if (error is not null)
            {
                return error;
            }

            var size = field.Type.IsText() ? Math.Min(field.Type == FieldType.Chars ? field.Size : MaxStringKey, MaxStringKey) : sizeof(ulong);
            keys.Add(new HistKeyField(field, hex, keyOffset, size));
            keyOffset += size;
        }

        var values = ImmutableArray.CreateBuilder<HistValueField>();
        foreach (var (item, itemAt) in valuesSpec is null ? [] : Items(text, valuesSpec.Value))
        {
            if (item == "hitcount")
            {
                continue; // always the first value
            }

            if (values.Count == MaxValues)
            {
                return Fail($"Too many values (at most {MaxValues} besides hitcount)", itemAt);
            }

            var error = ResolveField(item, itemAt, out var field, out var hex);
            if (error is not null)
            {
                return error;
            }

            if (field.Type.IsText())
            {
                return Fail($"Values must be numeric: '{field.Name}' is {field.Declaration}", itemAt);
            }

            values.Add(new HistValueField(field, hex));
        }

        var sort = ImmutableArray.CreateBuilder<HistSortKey>();
        foreach (var (item, itemAt) in sortSpec is null ? [("hitcount", 0)] : Items(text, sortSpec.Value))
        {
            if (sort.Count == MaxSortKeys)
            {
                return Fail($"Too many sort keys (at most {MaxSortKeys})", itemAt);
            }

            var descending = item.EndsWith(".descending", StringComparison.Ordinal);
            var name = descending ? item[..^".descending".Length]
                : item.EndsWith(".ascending", StringComparison.Ordinal) ? item[..^".ascending".Length] : item;
            var keyIndex = IndexOf(keys, k => k.Field.Name == name || k.Spelling == name);
            var valueIndex = IndexOf(values, v => v.Field.Name == name || v.Spelling == name);
            if (name == "hitcount")
            {
                sort.Add(new HistSortKey(-1, 0, descending));
            }
            else if (keyIndex >= 0)
            {
                sort.Add(new HistSortKey(keyIndex, -1, descending));
            }
            else if (valueIndex >= 0)
            {
                sort.Add(new HistSortKey(-1, valueIndex + 1, descending));
            }
            else
            {
                return Fail($"Sort key '{name}' is not hitcount, a key or a value", itemAt);
            }
        }

        var tableSize = DefaultSize;
        if (sizeSpec is { } sizeAt)
        {
            if (!EventFilterParser.TryParseInteger(text.AsSpan(sizeAt.At, sizeAt.End - sizeAt.At), signed: false, out var requested)
                || requested == 0 || requested > MaxSize || BitOperations.RoundUpToPowerOf2((uint)requested) < MinSize)
            {
                return Fail($"Invalid size: expecting {MinSize / 2 + 1} to {MaxSize} (rounded up to a power of two)", sizeAt.At);
            }

            tableSize = (int)BitOperations.RoundUpToPowerOf2((uint)requested);
        }

        var madeKeys = keys.ToImmutable();
        var madeValues = values.ToImmutable();
        var madeSort = sort.ToImmutable();
        return new(condition => new HistTrigger(layout, madeKeys, madeValues, madeSort, tableSize, condition));

        ParseResult<Func<EventFilter?, EventTrigger>> Fail(string message, int position)
            => EventTriggerParser.Fail<Func<EventFilter?, EventTrigger>>(subsystem, text, position, message);

        ParseResult<Func<EventFilter?, EventTrigger>>? ResolveField(string item, int itemAt, out EventField field, out bool hex)
        {
            var dot = item.IndexOf('.', StringComparison.Ordinal);
            var name = dot < 0 ? item : item[..dot];
            hex = false;
            if (!layout.TryGetField(name, out field!))
            {
                return Fail(
                    name.Length == 0 ? "Missing field name" : $"Couldn't find field '{name}' (fields: {string.Join(", ", layout.AllFields.Select(f => f.Name))})",
                    itemAt);
            }

            if (dot < 0)
            {
                return null;
            }

            var modifier = item[(dot + 1)..];
            if (modifier != "hex")
            {
                return Fail($"Invalid field modifier '.{modifier}' (known: .hex)", itemAt + dot + 1);
            }

            if (field.Type.IsText())
            {
                return Fail($"Modifier '.hex' is for numbers; '{field.Name}' is {field.Declaration}", itemAt + dot + 1);
            }

            hex = true;
            return null;
        }
    }

    /// <summary>The comma-separated items of <c>text[range]</c>, each with where it starts.</summary>
    private static List<(string Item, int At)> Items(string text, (int At, int End) range)
    {
        var items = new List<(string, int)>();
        var at = range.At;
        while (true)
        {
            var comma = text.IndexOf(',', at, range.End - at);
            var itemEnd = comma < 0 ? range.End : comma;
            items.Add((text[at..itemEnd], at));
            if (comma < 0)
            {
                return items;
            }

            at = comma + 1;
        }
    }

    private static int IndexOf<T>(ImmutableArray<T>.Builder items, Func<T, bool> match)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (match(items[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
