using System.Globalization;
using System.Text;
using ModularTrace.Events;
using ModularTrace.Tasks;

namespace ModularTrace.Ctf.Interop.Tests;

/// <summary>What babeltrace2 should print for one record: the event name and each payload field's text.</summary>
public sealed record ExpectedEvent(string Name, IReadOnlyDictionary<string, string> Fields);

/// <summary>
/// Five events that together use every field type (u8..s64, bool, char[16], __data_loc), and a writer that fills
/// them with deterministic values, returning what babeltrace2 should print for each record.
/// </summary>
public sealed class Workload
{
    // No empty text here: babeltrace2 2.0.4 prints an empty text field with the text of an earlier event of its
    // class (efficios/babeltrace#116). CtfWriterTests decodes the bytes of an empty string instead.
    private static readonly string[] s_comms =
        ["swapper/0", "kworker/u8:2", "päth-ä", "exactly15chars!", "much-too-long-for-a-comm-field", "q\"uote\\back", "tab\there", "x"];

    private static readonly string[] s_paths =
        ["/var/log/päth", "/", "with \"quotes\" and \\ backslash", "tab\tand\nnewline", new string('x', 300), "/usr/lib/ünïcødé/€"];

    private readonly TraceEvent[] _events;

    /// <summary>Defines the five events in a new session and enables them.</summary>
    public Workload(TraceOptions options)
    {
        Session = new TraceSession(options);
        _events =
        [
            Define("mt_sched", "small_ints", b => { b.U8("a"); b.S8("b"); b.U16("c"); b.S16("d"); }),
            Define("mt_sched", "wide_ints", b => { b.U32("e"); b.S32("f"); b.U64("g"); b.S64("h"); }),
            Define("mt_task", "comm", b => { b.Bool("running"); b.Chars("comm", 16); b.S32("prio"); }),
            Define("mt_vfs", "open", b => { b.DynamicString("filename"); b.U16("flags"); b.Bool("ok"); }),
            Define("mt_mix", "every_type", b =>
            {
                b.U8("u8"); b.S8("s8"); b.U16("u16"); b.S16("s16"); b.U32("u32"); b.S32("s32");
                b.U64("u64"); b.S64("s64"); b.Bool("flag"); b.Chars("name", 16); b.DynamicString("path");
            }),
        ];
    }

    /// <summary>The session the events write into.</summary>
    public TraceSession Session { get; }

    /// <summary>Writes <paramref name="count"/> records (returning those the buffer took) as task <paramref name="pid"/> on <paramref name="cpu"/>, from the calling thread.</summary>
    public List<ExpectedEvent> Write(int cpu, int pid, int count, int eventMask = 0b11111)
    {
        var expected = new List<ExpectedEvent>(count);
        CurrentTask.Set(cpu, pid, FormattableString.Invariant($"writer{cpu}"));
        try
        {
            var enabled = Enumerable.Range(0, _events.Length).Where(e => (eventMask & (1 << e)) != 0).ToArray();
            for (var i = 0; i < count; i++)
            {
                var ev = _events[enabled[i % enabled.Length]];
                if (WriteOne(ev, Bits(cpu, i)) is { } written)
                {
                    expected.Add(written);
                }
            }
        }
        finally
        {
            CurrentTask.Clear();
        }

        return expected;
    }

    // Null when the buffer dropped the record (discard mode, full).
    private static ExpectedEvent? WriteOne(TraceEvent ev, ulong bits)
    {
        var fields = ev.Class.Layout.Fields;
        var dynamicBytes = fields.Where(f => f.Type == FieldType.DataLoc).Sum(f => TraceEvent.SizeOf(Text(f, bits)));
        var w = ev.Reserve(dynamicBytes);
        if (!w.IsReserved)
        {
            return null;
        }

        var printed = new Dictionary<string, string>(StringComparer.Ordinal);
        var shift = 0;
        foreach (var field in fields)
        {
            // Each field takes its value from rotated bits, so fields of one record differ.
            var value = (bits >> shift) | (bits << (64 - shift));
            shift = (shift + 7) % 64;
            switch (field.Type)
            {
                case FieldType.Chars or FieldType.DataLoc:
                    var text = Text(field, bits);
                    w.Set(field, text);
                    printed[field.Name] = field.Type == FieldType.Chars ? Truncate(text, field.Size - 1) : text;

                    break;
                case FieldType.Bool:
                    w.Set(field, (value & 1) != 0);
                    printed[field.Name] = (value & 1).ToString(CultureInfo.InvariantCulture);
                    break;
                default:
                    w.Set(field, value);
                    printed[field.Name] = Printed(field.Type, value);
                    break;
            }
        }

        w.Commit();
        return new ExpectedEvent(ev.FullName, printed);
    }

    private static string Printed(FieldType type, ulong value) => type switch
    {
        FieldType.U8 => ((byte)value).ToString(CultureInfo.InvariantCulture),
        FieldType.S8 => ((sbyte)value).ToString(CultureInfo.InvariantCulture),
        FieldType.U16 => ((ushort)value).ToString(CultureInfo.InvariantCulture),
        FieldType.S16 => ((short)value).ToString(CultureInfo.InvariantCulture),
        FieldType.U32 => ((uint)value).ToString(CultureInfo.InvariantCulture),
        FieldType.S32 => ((int)value).ToString(CultureInfo.InvariantCulture),
        FieldType.U64 => value.ToString(CultureInfo.InvariantCulture),
        FieldType.S64 => ((long)value).ToString(CultureInfo.InvariantCulture),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    private static string Text(EventField field, ulong bits) => field.Type == FieldType.Chars
        ? s_comms[(int)(bits % (ulong)s_comms.Length)]
        : s_paths[(int)((bits >> 8) % (ulong)s_paths.Length)];

    // What a char[N] keeps: whole characters up to N-1 UTF-8 bytes.
    private static string Truncate(string text, int maxBytes)
    {
        var kept = new StringBuilder();
        var bytes = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > maxBytes)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
            kept.Append(rune.ToString());
        }

        return kept.ToString();
    }

    // Every event first gets the extremes (all ones, sign bits only, zero), then splitmix64 values.
    private static ulong Bits(int cpu, int i) => (i / 5) switch
    {
        0 => ulong.MaxValue,
        1 => 0x8080_8080_8080_8080,
        2 => 0,
        _ => SplitMix((ulong)cpu << 32 | (uint)i),
    };

    private static ulong SplitMix(ulong x)
    {
        x += 0x9E3779B97F4A7C15;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB;
        return x ^ (x >> 31);
    }

    private TraceEvent Define(string system, string name, Action<EventLayoutBuilder> fields)
    {
        var builder = new EventLayoutBuilder();
        fields(builder);
        var layout = builder.Build();
        var template = string.Join(' ', layout.Fields.Select(f => $"{f.Name}={{{f.Name}}}"));
        var ev = Session.Define(system, name, new EventClass(name, layout, template));
        ev.IsEnabled = true;
        return ev;
    }
}
