namespace ModularTrace.Abi;

/// <summary>How much a change matters, as libabigail's abidiff exit bits: 4 change, 8 incompatible change.</summary>
public enum AbiSeverity
{
    /// <summary>A compatible change (something added, a format string reworded).</summary>
    Change = 4,

    /// <summary>Something a tool may rely on went away or changed type.</summary>
    Incompatible = 8,
}

/// <summary>One difference between two snapshots.</summary>
/// <param name="Subject">What changed: <c>hook sched_switch</c>, <c>event sched:sched_wakeup</c>.</param>
/// <param name="Text">What happened to it.</param>
/// <param name="Severity">How much it matters.</param>
/// <param name="BreaksOffsetReaders">Whether a tool that hard-codes field offsets (powertop, 2011) breaks, even though tools parsing the format file survive.</param>
public sealed record AbiChange(string Subject, string Text, AbiSeverity Severity, bool BreaksOffsetReaders = false);

/// <summary>Compares two snapshots: hooks by prototype, events by field name, type, offset and size, and print format.</summary>
public static class AbiDiff
{
    /// <summary>The differences, hooks first, then events, each sorted by name.</summary>
    public static IReadOnlyList<AbiChange> Compare(AbiSnapshot old, AbiSnapshot @new)
    {
        ArgumentNullException.ThrowIfNull(old);
        ArgumentNullException.ThrowIfNull(@new);
        var changes = new List<AbiChange>();
        var oldHooks = old.Hooks.ToDictionary(h => h.Name, StringComparer.Ordinal);
        var newHooks = @new.Hooks.ToDictionary(h => h.Name, StringComparer.Ordinal);
        foreach (var name in oldHooks.Keys.Union(newHooks.Keys).Order(StringComparer.Ordinal))
        {
            var subject = "hook " + name;
            switch (oldHooks.GetValueOrDefault(name), newHooks.GetValueOrDefault(name))
            {
                case (null, { } added):
                    changes.Add(new AbiChange(subject, $"added: {added.Prototype}", AbiSeverity.Change));
                    break;
                case ({ } removed, null):
                    changes.Add(new AbiChange(subject, $"removed: {removed.Prototype}", AbiSeverity.Incompatible));
                    break;
                case ({ } before, { } after) when before.Crc != after.Crc:
                    changes.Add(new AbiChange(subject, $"prototype changed: {before.Prototype} -> {after.Prototype} (CRC {before.Crc} -> {after.Crc})", AbiSeverity.Incompatible));
                    break;
            }
        }

        var oldEvents = old.Events.ToDictionary(e => e.FullName, StringComparer.Ordinal);
        var newEvents = @new.Events.ToDictionary(e => e.FullName, StringComparer.Ordinal);
        foreach (var name in oldEvents.Keys.Union(newEvents.Keys).Order(StringComparer.Ordinal))
        {
            var subject = "event " + name;
            switch (oldEvents.GetValueOrDefault(name), newEvents.GetValueOrDefault(name))
            {
                case (null, { }):
                    changes.Add(new AbiChange(subject, "added", AbiSeverity.Change));
                    break;
                case ({ }, null):
                    changes.Add(new AbiChange(subject, "removed", AbiSeverity.Incompatible, BreaksOffsetReaders: true));
                    break;
                case ({ } before, { } after):
                    CompareFields(subject, before, after, changes);
                    if (before.PrintFormat != after.PrintFormat)
                    {
                        changes.Add(new AbiChange(subject, $"print fmt changed: {before.PrintFormat} -> {after.PrintFormat}", AbiSeverity.Change));
                    }

                    break;
            }
        }

        return changes;
    }

    /// <summary>The exit status: 4 if anything changed, | 8 if anything incompatible; 0 when identical.</summary>
    public static int ExitBits(IEnumerable<AbiChange> changes) => changes.Aggregate(0, (bits, change) => bits | (int)change.Severity | (int)AbiSeverity.Change);

    private static void CompareFields(string subject, AbiEvent before, AbiEvent after, List<AbiChange> changes)
    {
        var oldFields = before.Fields.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var newFields = after.Fields.ToDictionary(f => f.Name, StringComparer.Ordinal);
        foreach (var field in before.Fields)
        {
            if (!newFields.TryGetValue(field.Name, out var now))
            {
                changes.Add(new AbiChange(subject, $"field removed: {field.Declaration} (offset {field.Offset}, size {field.Size})", AbiSeverity.Incompatible, BreaksOffsetReaders: true));
            }
            else if (now.Declaration != field.Declaration || now.Size != field.Size || now.IsSigned != field.IsSigned)
            {
                changes.Add(new AbiChange(subject, $"field type changed: {field.Declaration} (size {field.Size}) -> {now.Declaration} (size {now.Size})", AbiSeverity.Incompatible, BreaksOffsetReaders: true));
            }
            else if (now.Offset != field.Offset)
            {
                changes.Add(new AbiChange(subject, $"field moved: {field.Declaration} offset {field.Offset} -> {now.Offset} (tools reading the format file are unaffected; tools with hard-coded offsets break)", AbiSeverity.Change, BreaksOffsetReaders: true));
            }
        }

        foreach (var field in after.Fields.Where(f => !oldFields.ContainsKey(f.Name)))
        {
            changes.Add(new AbiChange(subject, $"field added: {field.Declaration} (offset {field.Offset}, size {field.Size})", AbiSeverity.Change));
        }
    }
}
