using System.Globalization;
using System.Text;
using ModularTrace.Hooks;

namespace ModularTrace.Cli.Commands;

/// <summary>
/// <c>mtrace modpost --declare</c>: C# for a module's hooks typed from the host's symvers prototypes, the part of a
/// kernel tracepoint header a module compiles against (<c>DECLARE_TRACE</c>'s typed <c>register_trace_NAME</c>), plus
/// an event per hook that records every argument (a <c>TRACE_EVENT</c> with one field per <c>TP_PROTO</c> argument).
/// A module built against a host it has never seen thus compiles against that host's argument types.
/// </summary>
internal static class ModuleHookDeclarations
{
    public static void Append(StringBuilder text, IEnumerable<SymversEntry> hooks)
    {
        var entries = hooks.Select(entry => (Entry: entry, Signature: HookSignature.Parse(entry.Prototype))).ToList();
        text.Append("\n/// <summary>The hooks in the module's &lt;ModuleHook&gt; items, typed from the host's Module.symvers.</summary>\n");
        text.Append("internal static partial class ModuleHooks\n{\n");
        foreach (var (entry, signature) in entries)
        {
            AppendHook(text, entry, signature);
        }

        text.Append("    /// <summary>Defines and records every hook's event (<c>SYSTEM:HOOK</c>, one field per argument); returns the events, in hook order.</summary>\n");
        text.Append("    internal static global::ModularTrace.Events.TraceEvent[] RecordAll(global::ModularTrace.Modules.ModuleContext context, string system) =>\n    [");
        text.AppendJoin(", ", entries.Select(e => $"Record_{e.Entry.Name}(context, system)"));
        text.Append("];\n}\n");
    }

    private static void AppendHook(StringBuilder text, SymversEntry entry, HookSignature signature)
    {
        var arguments = signature.Arguments;
        var hookType = arguments.Length == 0
            ? "global::ModularTrace.Hooks.NullaryHook"
            : $"global::ModularTrace.Hooks.Hook<{string.Join(", ", arguments.Select(a => a.TypeName))}>";
        var name = entry.Name;
        text.Append(CultureInfo.InvariantCulture, $"    /// <summary>The host's hook <c>{entry.Prototype}</c> ({HookSignature.FormatCrc(entry.Crc)}).</summary>\n");
        text.Append(CultureInfo.InvariantCulture, $"    internal static {hookType} {name}(global::ModularTrace.Modules.ModuleContext context)\n    {{\n");
        text.Append("        global::System.ArgumentNullException.ThrowIfNull(context);\n");
        text.Append(CultureInfo.InvariantCulture, $"        return context.Hook<{hookType}>(\"{name}\");\n    }}\n\n");

        text.Append(CultureInfo.InvariantCulture, $"    /// <summary>Defines the event <c>SYSTEM:{name}</c>, one field per argument of <c>{entry.Prototype}</c>, and records it each time the hook fires.</summary>\n");
        text.Append(CultureInfo.InvariantCulture, $"    internal static global::ModularTrace.Events.TraceEvent Record_{name}(global::ModularTrace.Modules.ModuleContext context, string system)\n    {{\n");
        text.Append("        global::System.ArgumentNullException.ThrowIfNull(context);\n");
        text.Append("        var layout = new global::ModularTrace.Events.EventLayoutBuilder();\n");
        for (var i = 0; i < arguments.Length; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"        var f{i + 1} = layout.{FieldOf(arguments[i])};\n");
        }

        // Zero arguments print the hook's name: a print format needs text, and there is no field to show.
        var print = arguments.Length == 0 ? name : string.Join(' ', arguments.Select(a => $"{a.Name}={{{a.Name}}}"));
        text.Append(CultureInfo.InvariantCulture, $"        var ev = context.DefineEvent(system, \"{name}\", new global::ModularTrace.Events.EventClass(\"{name}\", layout.Build(), \"{print}\"));\n");
        var parameters = string.Join(", ", arguments.Select((a, i) => $"{a.TypeName} a{i + 1}"));
        var strings = arguments.Select((a, i) => (a, i)).Where(p => p.a.Type == typeof(string)).Select(p => $"global::ModularTrace.Events.TraceEvent.SizeOf(a{p.i + 1})").ToList();
        var size = strings.Count == 0 ? "" : $"({parameters}) => {string.Join(" + ", strings)}, ";
        var assignParameters = arguments.Length == 0 ? "ref global::ModularTrace.Events.EventWriter record" : $"ref global::ModularTrace.Events.EventWriter record, {parameters}";
        text.Append(CultureInfo.InvariantCulture, $"        context.Record({name}(context), ev, {size}({assignParameters}) =>\n        {{\n");
        for (var i = 0; i < arguments.Length; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"            record.Set(f{i + 1}, {ValueOf(arguments[i], $"a{i + 1}")});\n");
        }

        text.Append("        });\n        return ev;\n    }\n\n");
    }

    // The field a hook argument's type records into, as the dynamic events' natural fetch types (FetchTypes) choose.
    private static string FieldOf(HookArgument argument) => argument.TypeName switch
    {
        "bool" => $"Bool(\"{argument.Name}\")",
        "byte" => $"U8(\"{argument.Name}\")",
        "sbyte" => $"S8(\"{argument.Name}\")",
        "short" => $"S16(\"{argument.Name}\")",
        "ushort" => $"U16(\"{argument.Name}\")",
        "int" => $"S32(\"{argument.Name}\")",
        "uint" => $"U32(\"{argument.Name}\")",
        "long" => $"S64(\"{argument.Name}\")",
        "ulong" => $"U64(\"{argument.Name}\")",
        "char" => $"Chars(\"{argument.Name}\", 4)", // UTF-8 of one UTF-16 unit, and the terminator
        "string" => $"DynamicString(\"{argument.Name}\")",
        var other => throw new InvalidOperationException($"hook argument type '{other}' has no field type"),
    };

    // EventWriter.Set takes long, ulong, int, uint, bool, char and string; narrower integers widen with their sign.
    private static string ValueOf(HookArgument argument, string value) => argument.TypeName switch
    {
        "sbyte" or "short" => $"(long){value}",
        "byte" or "ushort" => $"(ulong){value}",
        _ => value,
    };
}
