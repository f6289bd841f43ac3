using System.Buffers.Binary;
using ModularTrace.Events;
using ModularTrace.Events.Filters;

namespace ModularTrace.Core.Tests.Events.Filters;

/// <summary>
/// The kernel's own filter self-test, <c>test_filter_data[]</c> in kernel/trace/trace_events_filter.c
/// (CONFIG_FTRACE_STARTUP_TEST, <c>ftrace_test_event_filter()</c>): 8 filters over the int fields a..h of
/// trace_events_filter_test.h, 25 records, each with its verdict and the fields whose predicates short-circuiting must
/// not visit. The kernel swaps those predicates for one that records a visit; here they lie past the end of the
/// record, so evaluating one throws.
/// </summary>
public sealed class KernelFilterTableTests
{
    private const string AllAnd = "a == 1 && b == 1 && c == 1 && d == 1 && e == 1 && f == 1 && g == 1 && h == 1";
    private const string AllOr = "a == 1 || b == 1 || c == 1 || d == 1 || e == 1 || f == 1 || g == 1 || h == 1";
    private const string AndOfOrs = "(a == 1 || b == 1) && (c == 1 || d == 1) && (e == 1 || f == 1) && (g == 1 || h == 1)";
    private const string OrOfAnds = "(a == 1 && b == 1) || (c == 1 && d == 1) || (e == 1 && f == 1) || (g == 1 && h == 1)";
    private const string AndsThenOr = "(a == 1 && b == 1) && (c == 1 && d == 1) && (e == 1 && f == 1) || (g == 1 && h == 1)";
    private const string OrsThenAnd = "((a == 1 || b == 1) || (c == 1 || d == 1) || (e == 1 || f == 1)) && (g == 1 || h == 1)";
    private const string NestedAndFirst = "((((((((a == 1) && (b == 1)) || (c == 1)) && (d == 1)) || (e == 1)) && (f == 1)) || (g == 1)) && (h == 1))";
    private const string NestedOrFirst = "((((((((a == 1) || (b == 1)) && (c == 1)) || (d == 1)) && (e == 1)) || (f == 1)) && (g == 1)) || (h == 1))";

    // DATA_REC(match, a, b, c, d, e, f, g, h, not_visited), in the kernel's order.
    public static TheoryData<string, bool, string, string> Table => new()
    {
        { AllAnd, true, "11111111", "" },
        { AllAnd, false, "01111111", "bcdefgh" },
        { AllAnd, false, "11111110", "" },
        { AllOr, false, "00000000", "" },
        { AllOr, true, "00000001", "" },
        { AllOr, true, "10000000", "bcdefgh" },
        { AndOfOrs, false, "00111111", "dfh" },
        { AndOfOrs, true, "01010101", "" },
        { AndOfOrs, true, "10100101", "bd" },
        { AndOfOrs, false, "10100100", "bd" },
        { OrOfAnds, true, "10111111", "efgh" },
        { OrOfAnds, true, "00000011", "" },
        { OrOfAnds, false, "00000001", "" },
        { AndsThenOr, true, "11111100", "gh" },
        { AndsThenOr, false, "00000001", "" },
        { AndsThenOr, true, "11111011", "" },
        { OrsThenAnd, true, "11111101", "bcdef" },
        { OrsThenAnd, false, "00000000", "" },
        { OrsThenAnd, true, "11111011", "h" },
        { NestedAndFirst, true, "11111111", "ceg" },
        { NestedAndFirst, false, "01010101", "" },
        { NestedAndFirst, false, "10101010", "" },
        { NestedOrFirst, true, "11111111", "bdfh" },
        { NestedOrFirst, true, "01010101", "" },
        { NestedOrFirst, true, "10101010", "bdfh" },
    };

    [Fact]
    public void Table_IsTheKernels25Records()
        => Assert.Equal(25, Table.Count);

    [Theory]
    [MemberData(nameof(Table))]
    public void Evaluate_KernelSelftestRecord_SameVerdictWithoutVisitingShortCircuitedPredicates(
        string filter, bool match, string values, string notVisited)
    {
        // The visited fields first, the not-visited ones last; the record ends where the first not-visited one starts.
        var order = "abcdefgh".Where(c => !notVisited.Contains(c, StringComparison.Ordinal)).Concat(notVisited).ToArray();
        var b = new EventLayoutBuilder();
        foreach (var name in order)
        {
            b.S32(name.ToString());
        }

        var layout = b.Build();
        var parsed = EventFilterParser.Parse(filter, layout);
        Assert.True(parsed.IsSuccess, parsed.Error?.ToString());
        var full = new byte[layout.FixedSize];
        foreach (var name in order)
        {
            BinaryPrimitives.WriteInt32LittleEndian(full.AsSpan(layout[name.ToString()].Offset), values["abcdefgh".IndexOf(name, StringComparison.Ordinal)] - '0');
        }

        var end = notVisited.Length == 0 ? full.Length : layout[notVisited[0].ToString()].Offset;
        var root = ((CompiledFilter)parsed.Value).Root;
        Assert.Equal(match, root.Evaluate(full.AsSpan(0, end)));
        Assert.Equal(match, parsed.Value.Matches(full));
    }

    [Fact]
    public void Evaluate_PredicateOnAFieldPastTheRecord_Throws()
    {
        // What makes the test above fail if short-circuiting breaks: a visited predicate past the end cannot read.
        var b = new EventLayoutBuilder();
        b.S32("a");
        b.S32("h");
        var layout = b.Build();
        var root = ((CompiledFilter)EventFilterParser.Parse("a == 1 || h == 1", layout).Value!).Root;
        var record = new byte[layout["h"].Offset];
        Assert.Throws<ArgumentOutOfRangeException>(() => root.Evaluate(record));
    }
}
