using System.Text;
using ModularTrace.Buffers;
using ModularTrace.Events;
using ModularTrace.Events.Filters;
using ModularTrace.Output;

namespace ModularTrace.Core.Tests.Events.Filters;

public sealed class EventFilterParserTests
{
    private static readonly EventLayout s_layout = MixedLayout();

    // common_pid 7, common_cpu 2, prev_comm "kworker/0:1", prev_pid 42, flags 0b101, big u64 max, delta -5, on true,
    // prio -3, mask 0x80000000, path "/var/log/syslog".
    private static readonly byte[] s_record = new TestRecord(s_layout)
        .Set("common_pid", 7).Set("common_cpu", 2)
        .Set("prev_comm", "kworker/0:1").Set("prev_pid", 42).Set("flags", 5).Set("big", ulong.MaxValue)
        .Set("delta", -5).Set("on", 1).Set("prio", -3).Set("mask", 0x8000_0000L).Set("path", "/var/log/syslog")
        .Build();

    [Theory]
    [InlineData("prev_pid == 42", true)]
    [InlineData("prev_pid != 42", false)]
    [InlineData("prev_pid < 100", true)]
    [InlineData("prev_pid <= 42", true)]
    [InlineData("prev_pid > 42", false)]
    [InlineData("prev_pid >= 43", false)]
    [InlineData("prev_pid == 0x2a", true)]
    [InlineData("prev_pid == 0X2A", true)]
    [InlineData("prev_pid == 052", true)]
    [InlineData("delta == -5", true)]
    [InlineData("delta < 0", true)]
    [InlineData("delta < -0x4", true)]
    [InlineData("delta > -9223372036854775808", true)]
    [InlineData("big > 0", true)]
    [InlineData("big == 18446744073709551615", true)]
    [InlineData("big == 0xffffffffffffffff", true)]
    [InlineData("big > 9223372036854775807", true)]
    [InlineData("mask > 0x7fffffff", true)]
    [InlineData("mask == 2147483648", true)]
    [InlineData("prio < 0", true)]
    [InlineData("prio == -3", true)]
    [InlineData("flags & 4", true)]
    [InlineData("flags & 2", false)]
    [InlineData("flags & 0x1", true)]
    [InlineData("on == 1", true)]
    [InlineData("common_pid == 7", true)]
    [InlineData("common_cpu == 2", true)]
    [InlineData("prev_comm == \"kworker/0:1\"", true)]
    [InlineData("prev_comm == 'kworker/0:1'", true)]
    [InlineData("prev_comm != 'kworker'", true)]
    [InlineData("prev_comm == \"kworker\"", false)]
    [InlineData("prev_comm ~ \"k*\"", true)]
    [InlineData("prev_comm ~ \"*0:?\"", true)]
    [InlineData("prev_comm ~ \"[jk]worker*\"", true)]
    [InlineData("prev_comm ~ \"[a-l]w*\"", true)]
    [InlineData("prev_comm ~ \"[!k]*\"", false)]
    [InlineData("prev_comm ~ \"kworker\"", false)]
    [InlineData("prev_comm ~ \"*\"", true)]
    [InlineData("prev_comm ~ \"[k*\"", false)]
    [InlineData("path ~ \"*log*\"", true)]
    [InlineData("path == '/var/log/syslog'", true)]
    [InlineData("path ~ '/var/*/sys???'", true)]
    [InlineData("prev_pid < 100 && prev_comm ~ \"k*\"", true)]
    [InlineData("prev_pid > 100 || prev_comm ~ \"k*\"", true)]
    [InlineData("!(prev_pid == 42)", false)]
    [InlineData("!prev_pid == 42", false)]
    [InlineData("!!(prev_pid == 42)", true)]
    [InlineData("prev_pid == 42 || prev_pid == 1 && flags & 8", true)]
    [InlineData("(prev_pid == 42 || prev_pid == 1) && flags & 8", false)]
    [InlineData("!(flags & 8) && (delta < 0 || big == 0)", true)]
    [InlineData("  prev_pid==42&&flags&4  ", true)]
    [InlineData("prev_comm==\"a b\"||prev_pid==42", true)]
    [InlineData("\tprev_pid\t==\t42\n", true)]
    public void Matches_GrammarTable_GivesExpectedResult(string filter, bool expected)
    {
        var result = EventFilterParser.Parse(filter, s_layout);
        Assert.True(result.IsSuccess, result.Error?.ToString());
        Assert.Equal(expected, result.Value.Matches(s_record));
    }

    // The kernel selftests' ftrace_errlog_check style: '^' marks the byte the error must point at, and the message is
    // the kernel's err_text[]. Each position is the one kernel/trace/trace_events_filter.c computes: calc_stack() first
    // (quotes, parentheses), then predicate_parse() ("next - str"), then parse_pred() (the predicate's start plus one,
    // plus its index: one byte right of what it names). The command is the text without trailing white space, as the
    // kernel strips it.
    [Theory]
    [InlineData("^", "Error")]
    [InlineData("^   ", "Error")]
    [InlineData("nope ^== 1", "Field not found")]
    [InlineData("prev_pid == 1 && nope ^== 1", "Field not found")]
    [InlineData("1 ^== prev_pid", "Field not found")]
    [InlineData("prev_comm == \"päth\" && nope ^== 1", "Field not found")]
    [InlineData("prev_pid ~ \"^1\"", "Expecting numeric field")]
    [InlineData("prev_pid == \"^12\"", "Expecting numeric field")]
    [InlineData("prev_comm < \"^a\"", "Illegal operation for field type")]
    [InlineData("prev_comm & '^a'", "Illegal operation for field type")]
    [InlineData("prev_pid ~ 1^", "Illegal operation for field type")]
    [InlineData("prev_comm & 1^", "Expecting string field")]
    [InlineData("path >= 1^", "Expecting string field")]
    [InlineData("prev_pid == a^bc", "Invalid value (did you forget quotes)?")]
    [InlineData("prev_comm != b^ash", "Invalid value (did you forget quotes)?")]
    [InlineData("path == /^var/log", "Invalid value (did you forget quotes)?")]
    [InlineData("prev_pid == +^42", "Invalid value (did you forget quotes)?")]
    [InlineData("prev_pid == ^", "Invalid value (did you forget quotes)?")]
    [InlineData("prev_pid == &^& flags & 1", "Invalid value (did you forget quotes)?")]
    [InlineData("prev_pid &&^ flags & 1", "Invalid value (did you forget quotes)?")]
    [InlineData("prev_pid == 1^2abc", "Illegal integer value")]
    [InlineData("big == -^1", "Illegal integer value")]
    [InlineData("delta == 0^xffffffffffffffff", "Illegal integer value")]
    [InlineData("big == 1^8446744073709551616", "Illegal integer value")]
    [InlineData("prev_pid == 0^x", "Illegal integer value")]
    [InlineData("prev_pid == 0^9", "Illegal integer value")]
    [InlineData("prev_pid == -^", "Illegal integer value")]
    [InlineData("prev_pid == 00000000000000000000000001 ^", "Operand too long")]
    [InlineData("prev_pid 1^", "Invalid operator")]
    [InlineData("prev_pid ^", "Invalid operator")]
    [InlineData("prev_pid =^ 1", "Invalid operator")]
    [InlineData("prev_pid.^hex == 1", "Invalid operator")]
    [InlineData("prev_comm == ^\"abc", "Missing matching quote")]
    [InlineData("prev_comm == ^'abc", "Missing matching quote")]
    [InlineData("prev_pid == 1 ^)", "Too few '('")]
    [InlineData("(prev_pid == 1)^)", "Too few '('")]
    [InlineData("prev_pid == 1 || ^)", "Too few '('")]
    [InlineData("^(prev_pid == 1", "Too many '('")]
    [InlineData("^((prev_pid == 1)", "Too many '('")]
    [InlineData("(prev_pid == 1) && ^(flags & 1", "Too many '('")]
    [InlineData("prev_pid == 1 && ^(", "Too many '('")]
    [InlineData("prev_pid == 1 ^prev_pid == 2", "Too many terms in predicate expression")]
    [InlineData("(prev_pid == 1 ^prev_pid == 2)", "Too many terms in predicate expression")]
    [InlineData("prev_comm == \"x\"^y", "Too many terms in predicate expression")]
    [InlineData("prev_pid == 1^.5", "Too many terms in predicate expression")]
    [InlineData("prev_pid == 1 ^! flags & 1", "Too many terms in predicate expression")]
    [InlineData("^== 1", "Error")]
    [InlineData("^&& prev_pid == 1", "Error")]
    [InlineData("^prev_pid == 1 && ()", "Error")]
    [InlineData("^prev_pid == 1 &&& flags & 1", "Error")]
    [InlineData("^!= 1", "Error")]
    [InlineData("!^", "No filter found")]
    [InlineData("!!^  ", "No filter found")]
    public void Parse_BadFilter_ErrorPointsAtCaretWithKernelText(string marked, string message)
    {
        var caret = marked.LastIndexOf('^');
        var text = marked.Remove(caret, 1);
        var result = EventFilterParser.Parse(text, s_layout);
        Assert.False(result.IsSuccess, $"'{text}' parsed as '{result.Value?.Text}'");
        Assert.Equal(message, result.Error.Message);
        Assert.Equal(Encoding.UTF8.GetByteCount(marked.AsSpan(0, caret)), result.Error.Position);
        Assert.Equal(text.TrimEnd(), result.Error.Command);
        Assert.Equal(EventFilterParser.ErrorSubsystem, result.Error.Subsystem);
    }

    // Decision (docs/filters.md): the kernel ignores an operator with nothing after it; ModularTrace refuses it, at the
    // operator, so a filter cut short is never run as a shorter one.
    [Theory]
    [InlineData("prev_pid == 1 ^&&")]
    [InlineData("prev_pid == 1 ^||  ")]
    [InlineData("prev_pid == 1 ^&& !")]
    [InlineData("prev_pid == 1 && flags & 1 ^|| !!")]
    public void Parse_TrailingOperator_IsRefusedWhereTheKernelAcceptsIt(string marked)
    {
        var caret = marked.IndexOf('^', StringComparison.Ordinal);
        var result = EventFilterParser.Parse(marked.Remove(caret, 1), s_layout);
        Assert.False(result.IsSuccess);
        Assert.Equal("Meaningless filter expression", result.Error.Message);
        Assert.Equal(caret, result.Error.Position);
        Assert.Contains("the kernel would drop it", result.Error.Hint, StringComparison.Ordinal);
    }

    // Decision (docs/filters.md): a text value needs quotes, as the kernel's; the hint shows the quoted form.
    [Fact]
    public void Parse_UnquotedText_IsRefusedWithTheQuotedFormAsHint()
    {
        var result = EventFilterParser.Parse("prev_comm != bash", s_layout);
        Assert.False(result.IsSuccess);
        Assert.Equal("Invalid value (did you forget quotes)?", result.Error.Message);
        Assert.Equal("quote the text: prev_comm != \"bash\"", result.Error.Hint);
        Assert.True(EventFilterParser.Parse("prev_comm != \"bash\"", s_layout).Value!.Matches(s_record));
    }

    [Fact]
    public void Parse_TextOf255Bytes_IsTheLongestAccepted()
    {
        Assert.True(EventFilterParser.Parse($"path == \"{new string('x', 255)}\"", s_layout).IsSuccess);
        var result = EventFilterParser.Parse($"path == \"{new string('x', 256)}\"", s_layout);
        Assert.False(result.IsSuccess);
        Assert.Equal("Operand too long", result.Error.Message);
        Assert.Equal(8 + 256 + 1 + 1, result.Error.Position); // parse_pred(): one right of the closing quote
    }

    [Fact]
    public void Parse_UnknownField_KernelTextFirstValidFieldsInTheHint()
    {
        var result = EventFilterParser.Parse("pid == 1", s_layout);
        Assert.False(result.IsSuccess);
        Assert.Equal("Field not found", result.Error.Message);
        Assert.StartsWith("'pid' is not a field of this event; fields: ", result.Error.Hint, StringComparison.Ordinal);
        Assert.Contains("common_pid", result.Error.Hint, StringComparison.Ordinal);
        Assert.Contains("prev_comm", result.Error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HostileNesting_IsRefusedWithoutRecursingAway()
    {
        var text = new string('(', 5000) + "prev_pid == 1" + new string(')', 5000);
        var result = EventFilterParser.Parse(text, s_layout);
        Assert.False(result.IsSuccess);
        Assert.Equal(100, result.Error.Position);
    }

    [Theory]
    [InlineData("prev_pid<100&&prev_comm~'k*'", "prev_pid < 100 && prev_comm ~ \"k*\"")]
    [InlineData("(prev_pid == 1 || prev_pid == 2) && flags & 4", "(prev_pid == 1 || prev_pid == 2) && flags & 4")]
    [InlineData("prev_pid == 1 || (prev_pid == 2 || prev_pid == 3)", "prev_pid == 1 || prev_pid == 2 || prev_pid == 3")]
    [InlineData("prev_pid == 1 || (prev_pid == 2 && prev_pid == 3)", "prev_pid == 1 || prev_pid == 2 && prev_pid == 3")]
    [InlineData("((prev_pid == 0x10))", "prev_pid == 16")]
    [InlineData("!prev_pid == 1", "!(prev_pid == 1)")]
    [InlineData("!(prev_pid == 1 && flags & 1)", "!(prev_pid == 1 && flags & 1)")]
    [InlineData("prev_comm == 'say \"hi\"'", "prev_comm == 'say \"hi\"'")]
    [InlineData("path ~ '*log'", "path ~ \"*log\"")]
    [InlineData("big == 0xffffffffffffffff", "big == 18446744073709551615")]
    [InlineData("delta == -0x10", "delta == -16")]
    public void Parse_Text_IsNormalisedAndParsesBackToItself(string filter, string normalised)
    {
        var result = EventFilterParser.Parse(filter, s_layout);
        Assert.True(result.IsSuccess, result.Error?.ToString());
        Assert.Equal(normalised, result.Value.Text);
        var again = EventFilterParser.Parse(normalised, s_layout);
        Assert.True(again.IsSuccess, again.Error?.ToString());
        Assert.Equal(normalised, again.Value.Text);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(50)]
    [InlineData(99)]
    public void Parse_ChainOfNots_NormalFormParsesBackToItself(int nots)
    {
        // The normal form writes each '!' as "!(": afl++ found 50 '!' accepted but their normal form refused as
        // nested too deeply (tests/ModularTrace.Fuzz/crashes/filter/).
        foreach (var filter in new[] { new string('!', nots) + "prev_pid == 1", new string('!', nots) + "(prev_pid == 1)" })
        {
            var result = EventFilterParser.Parse(filter, s_layout);
            Assert.True(result.IsSuccess, result.Error?.ToString());
            var normalised = string.Concat(Enumerable.Repeat("!(", nots)) + "prev_pid == 1" + new string(')', nots);
            Assert.Equal(normalised, result.Value.Text);
            var again = EventFilterParser.Parse(normalised, s_layout);
            Assert.True(again.IsSuccess, again.Error?.ToString());
            Assert.Equal(normalised, again.Value.Text);
            Assert.Equal(nots % 2 == 1, result.Value.Matches(s_record)); // prev_pid is 42
            Assert.Equal(result.Value.Matches(s_record), again.Value.Matches(s_record));
        }
    }

    [Fact]
    public void Parse_HundredNots_IsRefusedAsTooDeep()
    {
        var result = EventFilterParser.Parse(new string('!', 100) + "prev_pid == 1", s_layout);
        Assert.False(result.IsSuccess);
        Assert.Equal("Expression nested too deeply", result.Error.Message);
        Assert.Equal(100, result.Error.Position);
    }

    [Fact]
    public void Matches_TenThousandCalls_AllocatesNothing()
    {
        var filter = EventFilterParser.Parse(
            "prev_pid < 100 && prev_comm ~ \"k*[0-9]:?\" || path ~ \"*log*\" && !(big & 1) || prev_comm == 'kworker/0:1'",
            s_layout).Value!;
        var other = new TestRecord(s_layout).Set("prev_comm", "bash").Set("prev_pid", 4000).Set("path", "/tmp/x").Build();
        var matched = 0;
        for (var i = 0; i < 100; i++)
        {
            matched += filter.Matches(s_record) ? 1 : 0;
        }

        var allocated = Allocations.Least(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                matched += filter.Matches(i % 2 == 0 ? s_record : other) ? 1 : 0;
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(100 + (5_000 * Allocations.Runs), matched);
    }

    [Fact]
    public void Matches_RecordTooShortOrCorrupt_ReturnsFalseWithoutThrowing()
    {
        var filter = EventFilterParser.Parse("path ~ \"*\" && prev_pid == 42", s_layout).Value!;
        var corrupt = (byte[])s_record.Clone();
        var pathOffset = s_layout["path"].Offset;
        corrupt[pathOffset] = 0xff; // the __data_loc now points past the record's end
        corrupt[pathOffset + 1] = 0xff;
        Assert.False(filter.Matches(s_record.AsSpan(0, 10)));
        Assert.False(filter.Matches([]));
        Assert.True(filter.Matches(corrupt)); // an out-of-range __data_loc reads as "" and "*" matches it
        Assert.True(filter.Matches(s_record));
    }

    [Fact]
    public void Filter_IssueExample_KeepsOnlyKernelThreadSwitches()
    {
        var session = new TraceSession();
        var layout = TestRecord.SchedSwitch();
        var ev = session.Define("sched", "sched_switch", new EventClass("sched_switch", layout, "prev_comm={prev_comm} prev_pid={prev_pid}"));
        ev.IsEnabled = true;
        var parsed = EventFilterParser.Parse("prev_pid < 100 && prev_comm ~ \"k*\"", layout);
        Assert.True(parsed.IsSuccess, parsed.Error?.ToString());
        ev.Filter = parsed.Value;
        (string Comm, int Pid)[] switches =
        [
            ("kworker/0:1", 12), ("bash", 1234), ("kthreadd", 2), ("systemd", 1), ("kswapd0", 95), ("kvim", 4000), ("swapper/0", 0),
        ];
        foreach (var (comm, pid) in switches)
        {
            var w = ev.Reserve();
            w.Set(layout["prev_comm"], comm);
            w.Set(layout["prev_pid"], pid);
            w.Set(layout["next_comm"], "next");
            w.Commit();
        }

        var kept = new TraceReader(session).Read(consume: true)
            .Select(r => RecordValues.ReadString(r.Data, layout["prev_comm"]))
            .ToArray();
        Assert.Equal(["kworker/0:1", "kthreadd", "kswapd0"], kept);
        Assert.Equal(4, ev.FilteredOut);
    }

    [Fact]
    public void Parse_Error_RecordedInErrorLogWithCaretUnderToken()
    {
        var log = new ErrorLog();
        var result = EventFilterParser.Parse("prev_pid < 100 && prev_comm < \"k*\"", s_layout);
        Assert.False(result.IsSuccess);
        log.Add(result.Error);
        var lines = log.Render().Split('\n');
        Assert.EndsWith("] event filter parse error: error: " + result.Error.Message, lines[0], StringComparison.Ordinal);
        Assert.Equal("  Command: prev_pid < 100 && prev_comm < \"k*\"", lines[1]);
        Assert.Equal(new string(' ', 11 + 31) + "^", lines[2]); // parse_pred(): one right of the value's quote
        Assert.Equal('k', lines[1][lines[2].Length - 1]);
        Assert.Equal(3, log.Render().Count(c => c == '\n')); // the hint stays out of error_log
        Assert.NotNull(result.Error.Hint);
    }

    private static EventLayout MixedLayout()
    {
        var b = new EventLayoutBuilder();
        b.Chars("prev_comm", 16);
        b.S32("prev_pid");
        b.U8("flags");
        b.U64("big");
        b.S64("delta");
        b.Bool("on");
        b.S16("prio");
        b.U32("mask");
        b.DynamicString("path");
        return b.Build();
    }
}
