using System.Text.RegularExpressions;

namespace ModularTrace.Integration.Tests;

public sealed partial class DynamicEventsCliTests
{
    private const string IssueSpec = "sched_switch(int prev_pid, string prev_comm, x32 prev_state)";

    // Issue #7's "done when" command, with the sched module loaded so a module event shares the hook.
    [Fact]
    public void Run_DynamicOnSchedSwitch_PrintsTheChosenFieldsWithStateInHex()
    {
        var result = Mtrace.Run("run", "--load", RepoFiles.SampleModule("Sched"), "--dynamic", IssueSpec, "--events", "200", "--text");

        Assert.True(result.ExitCode == 0, result.ToString());
        var dynamicLines = result.Stdout.Split('\n').Where(line => DynamicLine().IsMatch(line)).ToArray();
        Assert.NotEmpty(dynamicLines);
        Assert.Contains(dynamicLines, line => line.Contains("prev_state=0x1", StringComparison.Ordinal));
        var moduleLines = result.Stdout.Split('\n').Count(line => line.Contains(" ==> next_comm=", StringComparison.Ordinal));
        Assert.Equal(moduleLines, dynamicLines.Length);
        Assert.Contains("# dynamic_events: dynamic/sched_switch=sched_switch(s32 prev_pid, string prev_comm, x32 prev_state)", result.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"dynamic:sched_switch\s*│\s*\d+", result.Stderr);
    }

    [Theory]
    [InlineData("sched_switch(int prev_pid, ^strin prev_comm)", "Unknown type 'strin'")]
    [InlineData("^sched_swtch(int prev_pid)", "Unknown hook 'sched_swtch'")]
    [InlineData("sched_switch(^string prev_pid)", "Type 'string' does not fit argument 'prev_pid' of type 'int'")]
    [InlineData("sched_switch(int ^prev_pdi)", "Unknown argument 'prev_pdi'")]
    public void Run_BadDynamicSpec_IsRefusedWithACaretAndExit2(string marked, string reason)
    {
        var caret = marked.IndexOf('^', StringComparison.Ordinal);
        var spec = marked.Remove(caret, 1);

        var result = Mtrace.Run("run", "--load", RepoFiles.SampleModule("Sched"), "--dynamic", spec, "--events", "10");

        Assert.True(result.ExitCode == 2, result.ToString());
        var lines = result.Stderr.Split('\n');
        var first = Array.FindIndex(lines, line => line.StartsWith("mtrace: --dynamic: ", StringComparison.Ordinal));
        Assert.True(first >= 0, result.ToString());
        Assert.Contains(reason, lines[first], StringComparison.Ordinal);
        Assert.Equal("  Command: " + spec, lines[first + 1]);
        Assert.Equal(new string(' ', 11 + caret) + "^", lines[first + 2]);
    }

    [GeneratedRegex(@"\] .* sched_switch: prev_pid=-?\d+ prev_comm=""[^""]*"" prev_state=0x[0-9a-f]+$")]
    private static partial Regex DynamicLine();
}
