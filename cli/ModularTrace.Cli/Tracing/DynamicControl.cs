using ModularTrace.Events;
using ModularTrace.Events.Dynamic;

namespace ModularTrace.Cli.Tracing;

/// <summary><c>mtrace run --dynamic SPEC</c>: dynamic events on raw hooks (the kernel's <c>dynamic_events</c> file).</summary>
internal static class DynamicControl
{
    /// <summary>Adds every spec in order; the first refusal ends the run with the error_log's caret (exit 2).</summary>
    public static IReadOnlyList<DynamicEvent> Add(DynamicEvents dynamic, IEnumerable<string> specs)
    {
        var added = new List<DynamicEvent>();
        foreach (var spec in specs)
        {
            var result = dynamic.Add(spec);
            if (!result.IsSuccess)
            {
                throw Refusal(result.Error);
            }

            added.Add(result.Value);
        }

        return added;
    }

    /// <summary>The metadata value: every dynamic event as <c>group/event=hook(type name, ...)</c>, separated by <c>; </c>.</summary>
    public static string? Metadata(DynamicEvents dynamic)
        => dynamic.List().Count == 0 ? null : string.Join("; ", dynamic.Metadata());

    // DynamicEvents.Add has logged the error in the session's error_log already; this is its rendering on stderr.
    private static CliException Refusal(CommandError error)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(error.Command);
        var column = System.Text.Encoding.UTF8.GetCharCount(bytes, 0, Math.Clamp(error.Position, 0, bytes.Length));
        return new CliException($"--dynamic: {error.Message}", "'mtrace hooks' lists the hooks and their argument names", ExitCodes.Usage)
        {
            Details = $"  Command: {error.Command}\n{new string(' ', 11 + column)}^\n",
        };
    }
}
