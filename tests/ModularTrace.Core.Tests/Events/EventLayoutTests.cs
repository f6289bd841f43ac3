using ModularTrace.Events;
using ModularTrace.Output;

namespace ModularTrace.Core.Tests.Events;

public sealed class EventLayoutTests
{
    [Fact]
    public void Build_MixedFields_AreNaturallyAlignedAfterTheCommonHeader()
    {
        var b = new EventLayoutBuilder();
        var a = b.U8("a");
        var c = b.U64("c");
        var s = b.Chars("s", 5);
        var d = b.S16("d");
        var loc = b.DynamicString("loc");
        var layout = b.Build();

        Assert.Equal(28, a.Offset);
        Assert.Equal(32, c.Offset);
        Assert.Equal(40, s.Offset);
        Assert.Equal(46, d.Offset);
        Assert.Equal(48, loc.Offset);
        Assert.Equal(52, layout.FixedSize);
        Assert.Equal(1, layout.DynamicFieldCount);
    }

    [Fact]
    public void Render_FormatFile_HasTheKernelShape()
    {
        var session = new TraceSession();
        var b = new EventLayoutBuilder();
        b.Chars("comm", 16);
        b.S32("pid");
        b.DynamicString("path");
        var ev = session.Define("demo", "demo_event", new EventClass("demo", b.Build(), "comm={comm} pid={pid} path={path} flags=0x{pid:x} 100%"));

        var expected =
            $"name: demo_event\nID: {ev.Id}\nformat:\n"
            + "\tfield:u16 common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
            + "\tfield:u8 common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
            + "\tfield:u8 common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
            + "\tfield:s32 common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
            + "\tfield:u32 common_cpu;\toffset:8;\tsize:4;\tsigned:0;\n"
            + "\tfield:u8 common_trace_id[16];\toffset:12;\tsize:16;\tsigned:0;\n"
            + "\n"
            + "\tfield:char comm[16];\toffset:28;\tsize:16;\tsigned:0;\n"
            + "\tfield:s32 pid;\toffset:44;\tsize:4;\tsigned:1;\n"
            + "\tfield:__data_loc char[] path;\toffset:48;\tsize:4;\tsigned:0;\n"
            + "\n"
            + "print fmt: \"comm=%s pid=%d path=%s flags=0x%x 100%%\", REC->comm, REC->pid, __get_str(path), REC->pid\n";
        Assert.Equal(expected, FormatFile.Render(ev));
    }

    [Theory]
    [InlineData("x={nope}", "no field 'nope'")]
    [InlineData("x={a", "unclosed '{'")]
    [InlineData("x=}", "unmatched '}'")]
    [InlineData("x={a:q}", "unknown spec 'q'")]
    public void Parse_BadTemplate_IsRefusedWithTheReason(string template, string reason)
    {
        var b = new EventLayoutBuilder();
        b.S32("a");
        var ex = Assert.Throws<FormatException>(() => new EventClass("c", b.Build(), template));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("common_pid")]
    [InlineData("bad name")]
    public void Add_ReservedOrInvalidName_IsRefused(string name)
        => Assert.Throws<ArgumentException>(() => new EventLayoutBuilder().S32(name));
}
