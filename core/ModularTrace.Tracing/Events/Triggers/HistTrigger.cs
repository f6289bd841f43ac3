using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace ModularTrace.Events.Triggers;

/// <summary>
/// A <c>hist:</c> trigger: counts records by key (one to three fields) with a hitcount and sums of value fields, in a
/// table of fixed size; rendered as the kernel's <c>hist</c> file (<c>hist_trigger_show()</c>).
/// Parse one with <see cref="EventTriggerParser.Parse"/>.
/// </summary>
/// <remarks>
/// Thread-safe: any number of threads may write the event at once; counts stay exact (see <see cref="HistTable"/> for
/// the locking choice). Memory is fixed when the trigger is made: a key that does not fit in a full table is not
/// inserted and is counted in <see cref="Dropped"/> instead of <see cref="Hits"/>, as the kernel's <c>tracing_map</c>.
/// </remarks>
public sealed class HistTrigger : EventTrigger
{
    private readonly ImmutableArray<HistKeyField> _keys;
    private readonly ImmutableArray<HistValueField> _values;
    private readonly ImmutableArray<HistSortKey> _sort;
    private readonly EventFilter? _condition;
    private readonly HistTable _table;
    private readonly int _keySize;
    private readonly int _minimumLength;
    private long _faults;

    internal HistTrigger(
        EventLayout layout,
        ImmutableArray<HistKeyField> keys,
        ImmutableArray<HistValueField> values,
        ImmutableArray<HistSortKey> sort,
        int size,
        EventFilter? condition)
    {
        _keys = keys;
        _values = values;
        _sort = sort;
        _condition = condition;
        _keySize = keys.Sum(key => key.Size);
        _minimumLength = layout.FixedSize;
        _table = new HistTable(size, _keySize, values.Length);
        Text = Describe();
    }

    /// <summary>The trigger as the kernel prints it: <c>hist:keys=..:vals=hitcount,..:sort=..:size=N [if filter]</c>.</summary>
    public override string Text { get; }

    /// <summary>The table size in entries (the requested size rounded up to a power of two).</summary>
    public int Size => _table.Capacity;

    /// <summary>Records counted into an entry.</summary>
    public long Hits => _table.Hits;

    /// <summary>Distinct keys in the table.</summary>
    public int Entries => _table.Count;

    /// <summary>Records whose key did not fit because the table was full.</summary>
    public long Dropped => _table.Dropped;

    /// <summary>Records the trigger failed to count because reading them threw (a corrupt record).</summary>
    public long Faults => Interlocked.Read(ref _faults);

    /// <summary>The <c>hist</c> file of an event: every hist trigger's histogram, blank lines between; empty when none.</summary>
    public static string RenderHistFile(TraceEvent ev)
    {
        ArgumentNullException.ThrowIfNull(ev);
        var text = new StringBuilder();
        foreach (var trigger in ev.Triggers)
        {
            if (trigger is HistTrigger hist)
            {
                if (text.Length > 0)
                {
                    text.Append("\n\n");
                }

                hist.Render(text);
            }
        }

        return text.ToString();
    }

    /// <inheritdoc />
    public override void Fire(TraceEvent ev, ReadOnlySpan<byte> record)
    {
        try
        {
            if (record.Length < _minimumLength || (_condition is not null && !_condition.Matches(record)))
            {
                return;
            }

            Span<byte> key = stackalloc byte[_keySize]; // zeroed: string keys are NUL-padded
            foreach (var field in _keys)
            {
                var slot = key.Slice(field.Offset, field.Size);
                if (field.Field.Type.IsText())
                {
                    var value = RecordValues.ReadUtf8(record, field.Field);
                    value[..Math.Min(value.Length, field.Size - 1)].CopyTo(slot);
                }
                else
                {
                    // u64 of the value, sign-extended for signed fields, as the kernel's hist_field_s32() and friends.
                    BinaryPrimitives.WriteInt64LittleEndian(slot, RecordValues.ReadInt64(record, field.Field));
                }
            }

            Span<long> sums = stackalloc long[_values.Length];
            for (var i = 0; i < sums.Length; i++)
            {
                sums[i] = RecordValues.ReadInt64(record, _values[i].Field);
            }

            _table.Add(key, sums);
        }
#pragma warning disable CA1031 // Tracing never throws into the traced program (STYLE.md §5): count and carry on.
        catch (Exception)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _faults);
        }
    }

    /// <summary>This trigger's histogram in the kernel's format: header, one line per entry in sort order, totals.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        Render(text);
        return text.ToString();
    }

    private void Render(StringBuilder text)
    {
        var snapshot = _table.Copy();
        text.Append("# event histogram\n#\n# trigger info: ").Append(Text).Append(" [active]\n#\n\n");
        var order = new int[snapshot.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) => Compare(snapshot, a, b));
        foreach (var entry in order)
        {
            AppendEntry(text, snapshot, entry);
        }

        text.Append(CultureInfo.InvariantCulture, $"\nTotals:\n    Hits: {snapshot.Hits}\n    Entries: {snapshot.Count}\n    Dropped: {snapshot.Dropped}\n");
    }

    // hist_trigger_entry_print(): "{ key: value, ... } hitcount: %10llu  value: %10llu".
    private void AppendEntry(StringBuilder text, HistTable.Snapshot snapshot, int entry)
    {
        var key = snapshot.Keys.AsSpan(entry * _keySize, _keySize);
        text.Append("{ ");
        for (var i = 0; i < _keys.Length; i++)
        {
            var field = _keys[i];
            var slot = key.Slice(field.Offset, field.Size);
            text.Append(i > 0 ? ", " : "").Append(field.Field.Name).Append(": ");
            if (field.Field.Type.IsText())
            {
                var nul = slot.IndexOf((byte)0);
                text.Append(Encoding.UTF8.GetString(nul < 0 ? slot : slot[..nul]).PadRight(50));
            }
            else
            {
                var value = BinaryPrimitives.ReadUInt64LittleEndian(slot);
                text.Append(field.Hex ? value.ToString("x", CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture).PadLeft(10));
            }
        }

        var sumCount = _values.Length + 1;
        var sums = snapshot.Sums.AsSpan(entry * sumCount, sumCount);
        text.Append(" } hitcount: ").Append(((ulong)sums[0]).ToString(CultureInfo.InvariantCulture).PadLeft(10));
        for (var i = 0; i < _values.Length; i++)
        {
            var sum = unchecked((ulong)sums[i + 1]);
            var shown = _values[i].Hex ? sum.ToString("x", CultureInfo.InvariantCulture) : sum.ToString(CultureInfo.InvariantCulture);
            text.Append("  ").Append(_values[i].Field.Name).Append(": ").Append(shown.PadLeft(10));
        }

        text.Append('\n');
    }

    private int Compare(HistTable.Snapshot snapshot, int a, int b)
    {
        var sumCount = _values.Length + 1;
        foreach (var sort in _sort)
        {
            int comparison;
            if (sort.KeyIndex >= 0)
            {
                var field = _keys[sort.KeyIndex];
                var left = snapshot.Keys.AsSpan((a * _keySize) + field.Offset, field.Size);
                var right = snapshot.Keys.AsSpan((b * _keySize) + field.Offset, field.Size);
                comparison = field.Field.Type.IsText()
                    ? left.SequenceCompareTo(right)
                    : field.Field.IsSigned
                        ? BinaryPrimitives.ReadInt64LittleEndian(left).CompareTo(BinaryPrimitives.ReadInt64LittleEndian(right))
                        : BinaryPrimitives.ReadUInt64LittleEndian(left).CompareTo(BinaryPrimitives.ReadUInt64LittleEndian(right));
            }
            else
            {
                var left = unchecked((ulong)snapshot.Sums[(a * sumCount) + sort.SumIndex]);
                var right = unchecked((ulong)snapshot.Sums[(b * sumCount) + sort.SumIndex]);
                comparison = left.CompareTo(right);
            }

            if (comparison != 0)
            {
                return sort.Descending ? -comparison : comparison;
            }
        }

        // Equal on every sort key: order by the key bytes, so the output is the same on every read.
        return snapshot.Keys.AsSpan(a * _keySize, _keySize).SequenceCompareTo(snapshot.Keys.AsSpan(b * _keySize, _keySize));
    }

    // event_hist_trigger_print(), without the " [active]" the hist file adds.
    private string Describe()
    {
        var text = new StringBuilder("hist:keys=");
        text.AppendJoin(',', _keys.Select(key => key.Spelling));
        text.Append(":vals=hitcount");
        foreach (var value in _values)
        {
            text.Append(',').Append(value.Spelling);
        }

        text.Append(":sort=");
        for (var i = 0; i < _sort.Length; i++)
        {
            var sort = _sort[i];
            text.Append(i > 0 ? "," : "")
                .Append(sort.KeyIndex >= 0 ? _keys[sort.KeyIndex].Spelling : sort.SumIndex == 0 ? "hitcount" : _values[sort.SumIndex - 1].Spelling)
                .Append(sort.Descending ? ".descending" : "");
        }

        text.Append(CultureInfo.InvariantCulture, $":size={Size}");
        if (_condition is not null)
        {
            text.Append(" if ").Append(_condition.Text);
        }

        return text.ToString();
    }
}

/// <summary>A key of a hist trigger: the field, its <c>.hex</c> modifier, and its slot in the composed key.</summary>
internal sealed record HistKeyField(EventField Field, bool Hex, int Offset, int Size)
{
    public string Spelling => Hex ? Field.Name + ".hex" : Field.Name;
}

/// <summary>A summed value of a hist trigger.</summary>
internal sealed record HistValueField(EventField Field, bool Hex)
{
    public string Spelling => Hex ? Field.Name + ".hex" : Field.Name;
}

/// <summary>A sort key: a key field (<see cref="KeyIndex"/> ≥ 0) or a sum (<see cref="SumIndex"/>: 0 hitcount, then values).</summary>
internal sealed record HistSortKey(int KeyIndex, int SumIndex, bool Descending);
