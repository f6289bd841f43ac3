using System.Globalization;
using System.Text;
using ModularTrace.Events;

namespace ModularTrace.Output;

/// <summary>Renders an event's <c>format</c> file, byte for byte in the kernel's shape.</summary>
public static class FormatFile
{
    /// <summary>The format file text.</summary>
    public static string Render(TraceEvent ev)
    {
        ArgumentNullException.ThrowIfNull(ev);
        var text = new StringBuilder();
        text.Append("name: ").Append(ev.Name).Append('\n');
        text.Append(CultureInfo.InvariantCulture, $"ID: {ev.Id}\n");
        text.Append("format:\n");
        foreach (var field in EventLayout.CommonFields)
        {
            text.Append('\t').Append(field.FormatLine).Append('\n');
        }

        text.Append('\n');
        foreach (var field in ev.Class.Layout.Fields)
        {
            text.Append('\t').Append(field.FormatLine).Append('\n');
        }

        text.Append('\n').Append("print fmt: ").Append(ev.Class.Print.KernelText).Append('\n');
        return text.ToString();
    }
}
