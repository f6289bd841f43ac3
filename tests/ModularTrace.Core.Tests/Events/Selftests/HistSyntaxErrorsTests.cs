using ModularTrace.Events;
using ModularTrace.Events.Triggers;

namespace ModularTrace.Core.Tests.Events.Selftests;

/// <summary>
/// tools/testing/selftests/ftrace/test.d/trigger/trigger-hist-syntax-errors.tc, case for case, against kmem:kmalloc
/// with the kernel's fields; the message is the one kernel/trace/trace_events_hist.c logs for each.
/// </summary>
public sealed class HistSyntaxErrorsTests
{
    private readonly TraceSession _session = new();
    private readonly TraceEvent _kmalloc;

    public HistSyntaxErrorsTests()
    {
        // include/trace/events/kmem.h: kmalloc's fields (unsigned long and size_t are 64-bit here).
        var b = new EventLayoutBuilder();
        b.U64("call_site");
        b.U64("ptr");
        b.U64("bytes_req");
        b.U64("bytes_alloc");
        b.U64("gfp_flags");
        b.S32("node");
        _kmalloc = _session.Define("kmem", "kmalloc", new EventClass("kmalloc", b.Build(), "bytes_req={bytes_req}"));
    }

    [Theory]
    [InlineData("hist:keys=common_pid:vals=bytes_req:sort=common_pid,^junk", "Sort field must be a key or a val")] // INVALID_SORT_FIELD
    [InlineData("hist:keys=common_pid:vals=bytes_req:^sort=", "Empty assignment")] // EMPTY_ASSIGNMENT
    [InlineData("hist:keys=common_pid:vals=bytes_req:^sort=common_pid,", "Empty sort field")] // EMPTY_SORT_FIELD
    [InlineData("hist:keys=common_pid:vals=bytes_req:sort=common_pid.^junk", "Invalid sort modifier")] // INVALID_SORT_MODIFIER
    [InlineData("hist:keys=common_pid:vals=bytes_req,bytes_alloc:^sort=common_pid,bytes_req,bytes_alloc", "Too many sort fields (Max = 2)")] // TOO_MANY_SORT_FIELDS
    public void Trigger_SelftestCase_CaretAndTextAsTheKernel(string marked, string message)
    {
        var error = ErrlogCheck.Run("hist:kmem:kmalloc", marked, Write);
        Assert.Equal(message, error.Message);
    }

    // Not in the selftest, but logged by parse_field() with errpos(): the first place the text occurs in the command.
    [Theory]
    [InlineData("hist:keys=^nope", "Couldn't find field")]
    [InlineData("hist:keys=common_pid:vals=^nope", "Couldn't find field")]
    [InlineData("hist:keys=bytes_req.^log3", "Invalid field modifier")]
    [InlineData("hist:keys=common_pid:vals=bytes_req:^sort=bytes_req,common_pid,hitcount if node == 1", "Too many sort fields (Max = 2)")]
    public void Trigger_FieldErrors_CaretAtTheFirstOccurrence(string marked, string message)
    {
        var error = ErrlogCheck.Run("hist:kmem:kmalloc", marked, Write);
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("hist:keys=common_pid:vals=bytes_req:sort=bytes_req.descending,common_pid")]
    [InlineData("hist:keys=common_pid,bytes_req.hex:sort=bytes_req.hex.descending")]
    [InlineData("hist:key=call_site:val=bytes_req:sort=hitcount.ascending")]
    public void Trigger_WellFormed_IsAccepted(string text)
        => Assert.Null(Write(text));

    private CommandError? Write(string command)
    {
        var result = EventTriggerParser.Parse(command, _kmalloc, _session);
        return result.IsSuccess ? null : result.Error;
    }
}
