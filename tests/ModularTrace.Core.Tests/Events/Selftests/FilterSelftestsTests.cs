using ModularTrace.Events;
using ModularTrace.Events.Filters;
using ModularTrace.Events.Triggers;

namespace ModularTrace.Core.Tests.Events.Selftests;

/// <summary>
/// The kernel's filter selftests, case for case: tools/testing/selftests/ftrace/test.d/ftrace/tracing-error-log.tc
/// (signal:signal_generate) and test.d/trigger/trigger-filter.tc (sched:sched_process_fork), with the kernel's fields.
/// </summary>
public sealed class FilterSelftestsTests
{
    private const string FilterPrefix = "event filter parse error";

    private readonly TraceSession _session = new();
    private readonly TraceEvent _signalGenerate;
    private readonly TraceEvent _processFork;

    public FilterSelftestsTests()
    {
        // include/trace/events/signal.h
        var signal = new EventLayoutBuilder();
        signal.S32("sig");
        signal.S32("errno");
        signal.S32("code");
        signal.Chars("comm", 16);
        signal.S32("pid");
        signal.S32("group");
        signal.S32("result");
        _signalGenerate = _session.Define("signal", "signal_generate", new EventClass("signal_generate", signal.Build(), "sig={sig}"));

        // include/trace/events/sched.h
        var fork = new EventLayoutBuilder();
        fork.Chars("parent_comm", 16);
        fork.S32("parent_pid");
        fork.Chars("child_comm", 16);
        fork.S32("child_pid");
        _processFork = _session.Define("sched", "sched_process_fork", new EventClass("sched_process_fork", fork.Build(), "child_pid={child_pid}"));
    }

    // tracing-error-log.tc: the one case it states.
    [Fact]
    public void Filter_TracingErrorLogCase_FieldNotFoundUnderTheOperatorAfterIt()
    {
        var error = ErrlogCheck.Run(FilterPrefix, "((sig >= 10 && sig < 15) || dsig ^== 17) && comm != bash", WriteFilter);
        Assert.Equal("Field not found", error.Message);
        Assert.Equal(33, error.Position);
    }

    // The same filter with the field fixed stops at its next error, the unquoted "bash", where the kernel also stops.
    [Fact]
    public void Filter_TracingErrorLogCaseWithTheFieldFixed_RefusesTheUnquotedText()
    {
        var error = ErrlogCheck.Run(FilterPrefix, "((sig >= 10 && sig < 15) || sig == 17) && comm != b^ash", WriteFilter);
        Assert.Equal("Invalid value (did you forget quotes)?", error.Message);
        Assert.Null(WriteFilter("((sig >= 10 && sig < 15) || sig == 17) && comm != \"bash\""));
    }

    // trigger-filter.tc, "Test semantic error for trigger filter": each is refused. The selftest states no caret; these
    // are where trace_events_filter.c puts it, counted from the filter after "if", as set_trigger_filter() parses it.
    [Theory]
    [InlineData("a ^", "Field not found")]
    [InlineData("common_pid=^0", "Invalid operator")]
    [InlineData("common_pid==b^", "Invalid value (did you forget quotes)?")]
    [InlineData("common_pid == c^hild_pid", "Invalid value (did you forget quotes)?")]
    public void Trigger_TriggerFilterSemanticError_IsRefused(string markedFilter, string message)
    {
        var error = ErrlogCheck.Run(FilterPrefix, markedFilter, filter => WriteTrigger("traceoff if " + filter));
        Assert.Equal(message, error.Message);
    }

    // trigger-filter.tc: the triggers it writes and expects accepted.
    [Theory]
    [InlineData("traceoff if child_pid == 0")]
    [InlineData("traceoff if common_pid == 0")]
    [InlineData("traceoff if common_pid <= 0")]
    [InlineData("traceoff if common_pid >= 0")]
    [InlineData("traceoff if parent_pid >= 0 && child_pid >= 0")]
    [InlineData("traceoff if parent_pid >= 0 || child_pid >= 0")]
    public void Trigger_TriggerFilterAccepted_IsAccepted(string trigger)
        => Assert.Null(WriteTrigger(trigger));

    private CommandError? WriteFilter(string filter)
    {
        var result = EventFilterParser.Parse(filter, _signalGenerate.Class.Layout);
        return result.IsSuccess ? null : result.Error;
    }

    private CommandError? WriteTrigger(string trigger)
    {
        var result = EventTriggerParser.Parse(trigger, _processFork, _session);
        return result.IsSuccess ? null : result.Error;
    }
}
