using System.Text;
using ModularTrace.Events;

namespace ModularTrace.Core.Tests.Events.Selftests;

/// <summary>
/// The kernel selftests' <c>ftrace_errlog_check()</c> (tools/testing/selftests/ftrace/test.d/functions), step for
/// step, on our <see cref="ErrorLog"/>: the expected position is the byte count before the last '^' of the marked
/// command, the command is the marked one without its '^'s, and the check passes when the last line of error_log
/// ("  Command: " is 11 bytes, then "^\n") is 13 + position bytes long.
/// </summary>
internal static class ErrlogCheck
{
    /// <summary>Writes the command through <paramref name="write"/> (null: accepted) and asserts what the selftest asserts.</summary>
    public static CommandError Run(string prefix, string marked, Func<string, CommandError?> write)
    {
        var caret = marked.LastIndexOf('^'); // ${2%^*}: up to the last '^'
        var position = Encoding.UTF8.GetByteCount(marked.AsSpan(0, caret));
        var command = marked.Replace("^", "", StringComparison.Ordinal); // tr -d ^
        var log = new ErrorLog(); // echo > error_log
        var error = write(command);
        Assert.True(error is not null, $"'{command}' was accepted; the selftest expects it refused");
        log.Add(error);
        var lines = log.Render().Split('\n');
        Assert.Contains($"{prefix}: error: ", lines[0], StringComparison.Ordinal); // grep "$1: error:"
        var last = lines[^2] + "\n"; // tail -n 1 error_log | wc -c
        Assert.Equal(13 + position, Encoding.UTF8.GetByteCount(last));
        return error;
    }
}
