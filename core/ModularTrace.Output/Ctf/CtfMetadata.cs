using System.Globalization;
using System.Text;
using ModularTrace.Events;

namespace ModularTrace.Output.Ctf;

/// <summary>
/// Builds the TSDL text of a trace's <c>metadata</c> file: CTF 1.8 as babeltrace2 2.0 reads it. Every integer is
/// naturally aligned, little-endian; the packet and event layouts here must match <see cref="CtfPacketBuilder"/>.
/// </summary>
internal static class CtfMetadata
{
    /// <summary>The stream class every stream file uses.</summary>
    public const int StreamId = 0;

    // TSDL keywords (event, string, align, ...) cannot name fields; babeltrace2, like LTTng, strips one leading
    // underscore from field names, so every field is written as "_name" and prints as "name".
    private const string FieldPrefix = "_";

    public static string Build(TraceSession session, IEnumerable<TraceEvent> events, IReadOnlyDictionary<string, string> env, Guid uuid)
    {
        var clock = ClockName(session.Options.Clock);
        var text = new StringBuilder();
        text.Append("/* CTF 1.8 */\n\n");
        foreach (var (name, size, signed) in s_integers)
        {
            text.Append(CultureInfo.InvariantCulture, $"typealias integer {{ size = {size}; align = {size}; signed = {(signed ? "true" : "false")}; }} := {name};\n");
        }

        text.Append("typealias integer { size = 8; align = 8; signed = false; encoding = UTF8; } := utf8_t;\n");
        text.Append(CultureInfo.InvariantCulture, $"typealias integer {{ size = 64; align = 64; signed = false; map = clock.{clock}.value; }} := uint64_clock_t;\n\n");
        text.Append("trace {\n\tmajor = 1;\n\tminor = 8;\n");
        text.Append(CultureInfo.InvariantCulture, $"\tuuid = \"{uuid:D}\";\n");
        text.Append("\tbyte_order = le;\n");
        text.Append("\tpacket.header := struct {\n\t\tuint32_t magic;\n\t\tuint8_t uuid[16];\n\t\tuint32_t stream_id;\n\t};\n};\n\n");

        text.Append("env {\n");
        foreach (var (key, value) in env.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"\t{key} = {EnvValue(value)};\n");
        }

        text.Append("};\n\n");

        text.Append(CultureInfo.InvariantCulture, $"clock {{\n\tname = {clock};\n\tuuid = \"{uuid:D}\";\n");
        (long Seconds, long Cycles) offset = (0, 0);
        if (session.Options.Clock == TraceClock.Mono)
        {
            text.Append("\tdescription = \"monotonic time: Stopwatch ticks (CLOCK_MONOTONIC on Linux)\";\n");
            text.Append(CultureInfo.InvariantCulture, $"\tfreq = {session.ClockFrequency};\n");
        }
        else if (session.Options.Clock == TraceClock.Coarse)
        {
            text.Append("\tdescription = \"coarse monotonic time: Environment.TickCount64 milliseconds (CLOCK_MONOTONIC_COARSE on Linux)\";\n");
            text.Append(CultureInfo.InvariantCulture, $"\tfreq = {session.ClockFrequency};\n");
        }
        else if (session.Options.Clock == TraceClock.Tsc)
        {
            // Raw counter values; the offset maps them onto CLOCK_MONOTONIC like the mono clock's (absolute = false).
            var calibration = session.Calibration!;
            offset = calibration.CtfOffset();
            text.Append(CultureInfo.InvariantCulture, $"\tdescription = \"CPU time-stamp counter (rdtsc), calibrated against CLOCK_MONOTONIC over {calibration.BaselineNanoseconds} ns\";\n");
            text.Append(CultureInfo.InvariantCulture, $"\tfreq = {calibration.Frequency};\n");
        }
        else
        {
            // The counter clock measures no time: one count per event, shown as if it were a nanosecond.
            text.Append("\tdescription = \"event counter, not time\";\n\tfreq = 1000000000;\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"\tprecision = 1;\n\toffset_s = {offset.Seconds};\n\toffset = {offset.Cycles};\n\tabsolute = false;\n}};\n\n");

        text.Append(CultureInfo.InvariantCulture, $"stream {{\n\tid = {StreamId};\n");
        text.Append("\tpacket.context := struct {\n");
        text.Append("\t\tuint64_clock_t timestamp_begin;\n\t\tuint64_clock_t timestamp_end;\n");
        text.Append("\t\tuint64_t content_size;\n\t\tuint64_t packet_size;\n");
        text.Append("\t\tuint64_t packet_seq_num;\n\t\tuint64_t events_discarded;\n\t\tuint32_t cpu_id;\n\t};\n");
        text.Append("\tevent.header := struct {\n\t\tuint16_t id;\n\t\tuint64_clock_t timestamp;\n\t};\n");
        text.Append("\tevent.context := struct {\n");
        foreach (var field in CtfPacketBuilder.ContextFields)
        {
            text.Append("\t\t").Append(Declaration(field)).Append('\n');
        }

        text.Append("\t};\n};\n");

        foreach (var ev in events)
        {
            text.Append(CultureInfo.InvariantCulture, $"\nevent {{\n\tname = {Quote(ev.FullName)};\n\tid = {ev.Id};\n\tstream_id = {StreamId};\n");
            text.Append("\tfields := struct {\n");
            foreach (var field in ev.Class.Layout.Fields)
            {
                text.Append("\t\t").Append(Declaration(field)).Append('\n');
            }

            text.Append("\t};\n};\n");
        }

        return text.ToString();
    }

    /// <summary>The CTF clock name of a session clock.</summary>
    public static string ClockName(TraceClock clock) => clock switch
    {
        TraceClock.Mono => "monotonic",
        TraceClock.Coarse => "monotonic_coarse",
        TraceClock.Tsc => "tsc",
        _ => "counter",
    };

    private static readonly (string Name, int Size, bool Signed)[] s_integers =
    [
        ("uint8_t", 8, false), ("int8_t", 8, true), ("uint16_t", 16, false), ("int16_t", 16, true),
        ("uint32_t", 32, false), ("int32_t", 32, true), ("uint64_t", 64, false), ("int64_t", 64, true),
    ];

    private static string Declaration(EventField field) => field.Type switch
    {
        // The trace id as its 32 hex digits (zeros without an Activity): never empty, so babeltrace2 2.0.4's
        // stale-empty-text bug below cannot show one record's id on another; and greppable like the text output's.
        _ when ReferenceEquals(field, EventLayout.TraceIdField) => $"utf8_t {FieldPrefix}{field.Name}[{CtfPacketBuilder.TraceIdHexLength}];",
        FieldType.U8 or FieldType.Bool => $"uint8_t {FieldPrefix}{field.Name};",
        FieldType.S8 => $"int8_t {FieldPrefix}{field.Name};",
        FieldType.U16 => $"uint16_t {FieldPrefix}{field.Name};",
        FieldType.S16 => $"int16_t {FieldPrefix}{field.Name};",
        FieldType.U32 => $"uint32_t {FieldPrefix}{field.Name};",
        FieldType.S32 => $"int32_t {FieldPrefix}{field.Name};",
        FieldType.U64 => $"uint64_t {FieldPrefix}{field.Name};",
        FieldType.S64 => $"int64_t {FieldPrefix}{field.Name};",
        // char[N] is a text array of its N bytes (the text, then NULs), so readers see the width, as LTTng's
        // ctf_array_text; __data_loc is a NUL-terminated string. Both print the text up to its first NUL. babeltrace2
        // 2.0.4 prints an empty text field with the text of an earlier event of its class (its bt_field_string_clear
        // leaves the old bytes, efficios/babeltrace#116); the bytes written here are right.
        FieldType.Chars => string.Create(CultureInfo.InvariantCulture, $"utf8_t {FieldPrefix}{field.Name}[{field.Size}];"),
        FieldType.DataLoc => $"string {FieldPrefix}{field.Name};",
        _ => throw new ArgumentOutOfRangeException(nameof(field), field.Type, "no CTF mapping"),
    };

    // An env value that reads back as the same integer is written as one; anything else is a string.
    private static string EnvValue(string value) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
        && number.ToString(CultureInfo.InvariantCulture) == value
            ? value
            : Quote(value);

    /// <summary>A TSDL string literal.</summary>
    public static string Quote(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\t': text.Append("\\t"); break;
                case '\r': text.Append("\\r"); break;
                default:
                    if (char.IsControl(c))
                    {
                        text.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        return text.Append('"').ToString();
    }
}
