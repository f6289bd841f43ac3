using System.Collections.Immutable;
using System.Numerics;
using System.Text;
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

    // The kernel's hist err_text[] (kernel/trace/trace_events_hist.c) for the errors this parser can meet.
    private const string BadFieldModifier = "Invalid field modifier";
    private const string FieldNotFound = "Couldn't find field";
    private const string EmptyAssignment = "Empty assignment";
    private const string InvalidSortModifier = "Invalid sort modifier";
    private const string EmptySortField = "Empty sort field";
    private const string TooManySortFields = "Too many sort fields (Max = 2)";
    private const string InvalidSortField = "Sort field must be a key or a val";

    /// <param name="text">The whole trigger text, trailing white space stripped.</param>
    /// <param name="subsystem">The error_log subsystem.</param>
    /// <param name="commandAt">Where <c>hist</c> starts: the kernel's <c>last_cmd</c>, the command its errors show, starts there.</param>
    /// <param name="at">Where the attributes start (after <c>hist:</c>).</param>
    /// <param name="end">Where the attributes end (the first white space).</param>
    /// <param name="layout">The event's layout, where key and value fields are looked up.</param>
    /// <returns>What makes the trigger once its <c>if</c> filter is parsed, or the error.</returns>
    public static ParseResult<Func<EventFilter?, EventTrigger>> Parse(string text, string subsystem, int commandAt, int at, int end, EventLayout layout)
    {
        // Errors are logged against last_cmd, "hist:" and everything after it, and placed by errpos(): the first place the
        // offending text occurs in it (so a sort modifier that also appears in keys= points into keys=, as the kernel's).
        var command = text[commandAt..];
        (int At, int End)? keysSpec = null, valuesSpec = null, sortSpec = null, sizeSpec = null;

        // parse_hist_trigger_attrs(): every attribute first, "name=" with nothing after it refused before anything else.
        for (var segment = at; segment < end;)
        {
            var colon = text.IndexOf(':', segment, end - segment);
            var segmentEnd = colon < 0 ? end : colon;
            var equals = text.IndexOf('=', segment, segmentEnd - segment);
            var name = equals < 0 ? text[segment..segmentEnd] : text[segment..equals];
            if (equals >= 0 && equals + 1 == segmentEnd)
            {
                return Fail(EmptyAssignment, ErrPos(text[segment..segmentEnd]), $"'{name}=' needs a value");
            }

            var value = (equals + 1, segmentEnd);
            switch (equals < 0 ? "" : name)
            {
                case "keys" or "key": keysSpec = value; break;
                case "values" or "vals" or "val": valuesSpec = value; break;
                case "sort": sortSpec = value; break;
                case "size": sizeSpec = value; break;
                default: return FailAt($"Unknown hist attribute '{name}' (known: keys=, vals=, sort=, size=)", segment);
            }

            segment = segmentEnd + 1;
        }

        if (keysSpec is null)
        {
            return FailAt("Missing 'keys=': a hist trigger needs at least one key field", commandAt);
        }

        // create_hist_fields(): values before keys, as the kernel makes them.
        var values = ImmutableArray.CreateBuilder<HistValueField>();
        foreach (var (item, itemAt) in valuesSpec is null ? [] : Items(text, valuesSpec.Value))
        {
            if (item == "hitcount")
            {
                continue; // always the first value
            }

            if (values.Count == MaxValues)
            {
                return FailAt($"Too many values (at most {MaxValues} besides hitcount)", itemAt);
            }

            var error = ResolveField(item, out var field, out var hex);
            if (error is not null)
            {
                return error;
            }

            if (field.Type.IsText())
            {
                return FailAt($"Values must be numeric: '{field.Name}' is {field.Declaration}", itemAt);
            }

            values.Add(new HistValueField(field, hex));
        }

        var keys = ImmutableArray.CreateBuilder<HistKeyField>();
        var keyOffset = 0;
        foreach (var (item, itemAt) in Items(text, keysSpec.Value))
        {
            if (keys.Count == MaxKeys)
            {
                return FailAt($"Too many keys (at most {MaxKeys})", itemAt);
            }

            var error = ResolveField(item, out var field, out var hex);
            if (error is not null)
            {
                return error;
            }

            if (hex && field.Type.IsText())
            {
                return FailAt($"Modifier '.hex' is for numbers; '{field.Name}' is {field.Declaration}", itemAt + item.IndexOf('.', StringComparison.Ordinal) + 1);
            }

            var size = field.Type.IsText() ? Math.Min(field.Type == FieldType.Chars ? field.Size : MaxStringKey, MaxStringKey) : sizeof(ulong);
            keys.Add(new HistKeyField(field, hex, keyOffset, size));
            keyOffset += size;
        }

        var sort = ImmutableArray.CreateBuilder<HistSortKey>();
        var sortError = sortSpec is null ? null : ParseSort(text[sortSpec.Value.At..sortSpec.Value.End]);
        if (sortError is not null)
        {
            return sortError;
        }

        if (sort.Count == 0)
        {
            sort.Add(new HistSortKey(-1, 0, false)); // hitcount, ascending
        }

        var tableSize = DefaultSize;
        if (sizeSpec is { } sizeAt)
        {
            if (!EventFilterParser.TryParseInteger(text.AsSpan(sizeAt.At, sizeAt.End - sizeAt.At), signed: false, out var requested)
                || requested == 0 || requested > MaxSize || BitOperations.RoundUpToPowerOf2((uint)requested) < MinSize)
            {
                return FailAt($"Invalid size: expecting {MinSize / 2 + 1} to {MaxSize} (rounded up to a power of two)", sizeAt.At);
            }

            tableSize = (int)BitOperations.RoundUpToPowerOf2((uint)requested);
        }

        var madeKeys = keys.ToImmutable();
        var madeValues = values.ToImmutable();
        var madeSort = sort.ToImmutable();
        return new(condition => new HistTrigger(layout, madeKeys, madeValues, madeSort, tableSize, condition));

        // create_sort_keys(): at most two, split at ',' then at the first '.'; each error placed as the kernel's.
        ParseResult<Func<EventFilter?, EventTrigger>>? ParseSort(string spec)
        {
            var items = spec.Split(',');
            for (var i = 0; i < items.Length; i++)
            {
                var item = items[i];
                if (item.Length == 0)
                {
                    return Fail(EmptySortField, ErrPos("sort="), $"sort key {i + 1} is empty");
                }

                if (i == MaxSortKeys - 1 && i + 1 < items.Length)
                {
                    return Fail(TooManySortFields, ErrPos("sort="), $"{items.Length} sort keys given");
                }

                // ModularTrace prints a hex key's sort as "name.hex" (the kernel prints it so too); read it back whole.
                var direction = item.EndsWith(".descending", StringComparison.Ordinal) ? ".descending"
                    : item.EndsWith(".ascending", StringComparison.Ordinal) ? ".ascending" : "";
                var spelled = item[..^direction.Length];
                var keyIndex = IndexOf(keys, k => k.Hex && k.Spelling == spelled);
                var valueIndex = IndexOf(values, v => v.Hex && v.Spelling == spelled);
                string? modifier = direction.Length == 0 ? null : direction[1..];
                if (keyIndex < 0 && valueIndex < 0)
                {
                    var dot = item.IndexOf('.', StringComparison.Ordinal);
                    spelled = dot < 0 ? item : item[..dot];
                    modifier = dot < 0 ? null : item[(dot + 1)..];
                    if (spelled.Length == 0)
                    {
                        return Fail(EmptySortField, ErrPos("sort="), $"sort key {i + 1} has no field name");
                    }

                    keyIndex = IndexOf(keys, k => k.Field.Name == spelled);
                    valueIndex = IndexOf(values, v => v.Field.Name == spelled);
                }

                if (spelled != "hitcount" && keyIndex < 0 && valueIndex < 0)
                {
                    return Fail(InvalidSortField, ErrPos(spelled), $"'{spelled}' is not hitcount, a key or a value");
                }

                if (modifier is not (null or "descending" or "ascending"))
                {
                    return Fail(InvalidSortModifier, ErrPos(modifier), "a sort key takes .descending or .ascending");
                }

                var descending = modifier == "descending";
                sort.Add(spelled == "hitcount" ? new HistSortKey(-1, 0, descending)
                    : valueIndex >= 0 ? new HistSortKey(-1, valueIndex + 1, descending)
                    : new HistSortKey(keyIndex, -1, descending));
            }

            return null;
        }

        // parse_field(): the modifier is checked before the field is looked up.
        ParseResult<Func<EventFilter?, EventTrigger>>? ResolveField(string item, out EventField field, out bool hex)
        {
            var dot = item.IndexOf('.', StringComparison.Ordinal);
            var name = dot < 0 ? item : item[..dot];
            hex = false;
            field = null!;
            if (dot >= 0)
            {
                var modifier = item[(dot + 1)..];
                if (modifier != "hex")
                {
                    return Fail(BadFieldModifier, ErrPos(modifier), $"'.{modifier}': ModularTrace knows .hex");
                }

                hex = true;
            }

            if (!layout.TryGetField(name, out field!))
            {
                return Fail(FieldNotFound, ErrPos(name), $"'{name}' is not a field of this event; fields: {string.Join(", ", layout.AllFields.Select(f => f.Name))}");
            }

            // A hist key or value is one number or one text; an array (common_trace_id) is neither.
            return field.IsArray
                ? Fail($"Keys and values must be numbers or text: '{name}' is {field.Declaration}", ErrPos(name), null)
                : null;
        }

        // errpos(): where str first occurs in last_cmd, 0 when it does not (or is empty).
        int ErrPos(string str)
        {
            var found = str.Length == 0 ? 0 : command.IndexOf(str, StringComparison.Ordinal);
            return commandAt + Math.Max(0, found);
        }

        ParseResult<Func<EventFilter?, EventTrigger>> Fail(string message, int position, string? hint)
        {
            var bytes = Encoding.UTF8.GetByteCount(text.AsSpan(commandAt, Math.Clamp(position, commandAt, text.Length) - commandAt));
            return new(new CommandError(subsystem, command, bytes, message) { Hint = hint });
        }

        ParseResult<Func<EventFilter?, EventTrigger>> FailAt(string message, int position) => Fail(message, position, null);
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
