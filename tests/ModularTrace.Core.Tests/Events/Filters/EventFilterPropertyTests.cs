using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using ModularTrace.Events;
using ModularTrace.Events.Filters;

namespace ModularTrace.Core.Tests.Events.Filters;

/// <summary>
/// Random expression trees, printed to text (with random redundant parentheses, hex/decimal and quoting), parsed,
/// and evaluated on random records must agree with a direct evaluation of the tree.
/// </summary>
public sealed class EventFilterPropertyTests
{
    private static readonly EventLayout s_layout = Layout();

    private static readonly Gen<string> s_name = Gen.Char["ab"].Array[0, 7].Select(chars => new string(chars));
    private static readonly Gen<string> s_path = Gen.Char["ab/"].Array[0, 10].Select(chars => new string(chars));

    private static readonly Gen<Rec> s_record =
        from a in Gen.OneOf(Gen.Int[-4, 4], Gen.Int[-4, 4], Gen.OneOf(Gen.Const(int.MinValue), Gen.Const(int.MaxValue)))
        from b in Gen.OneOf(Gen.ULong[0, 6], Gen.Const(ulong.MaxValue), Gen.Const(1UL << 63))
        from c in Gen.Byte[0, 6]
        from name in s_name
        from path in s_path
        select new Rec(a, b, c, name, path);

    private static readonly Gen<Expr> s_numeric =
        from field in Gen.OneOf(Gen.Const("a"), Gen.Const("b"), Gen.Const("c"))
        from op in Gen.OneOf(Gen.Const("=="), Gen.Const("!="), Gen.Const("<"), Gen.Const("<="), Gen.Const(">"), Gen.Const(">="), Gen.Const("&"))
        from value in field switch
        {
            "a" => Gen.OneOf(Gen.Int[-5, 5].Select(v => (Int128)v), Gen.OneOf(Gen.Const((Int128)int.MinValue), Gen.Const((Int128)long.MinValue), Gen.Const((Int128)long.MaxValue))),
            "b" => Gen.OneOf(Gen.ULong[0, 7].Select(v => (Int128)v), Gen.OneOf(Gen.Const((Int128)ulong.MaxValue), Gen.Const((Int128)(1UL << 63)), Gen.Const((Int128)long.MaxValue))),
            _ => Gen.Int[0, 7].Select(v => (Int128)v),
        }
        from hex in Gen.Bool
        from wrap in Gen.Bool
        select (Expr)new NumPred(field, op, value, Literal(value, hex), wrap);

    private static readonly Gen<string> s_pattern = Gen.OneOf(
            Gen.Const("a"), Gen.Const("b"), Gen.Const("/"), Gen.Const("*"), Gen.Const("?"), Gen.Const("[ab]"), Gen.Const("[!a]"), Gen.Const("[a-b]"))
        .Array[0, 4].Select(string.Concat);

    private static readonly Gen<Expr> s_string =
        from field in Gen.OneOf(Gen.Const("name"), Gen.Const("path"))
        from op in Gen.OneOf(Gen.Const("=="), Gen.Const("!="), Gen.Const("~"))
        from value in op == "~" ? s_pattern : field == "name" ? s_name : s_path
        from quote in Gen.OneOf(Gen.Const("\""), Gen.Const("'")) // a bare word is refused, as the kernel's (docs/filters.md)
        from wrap in Gen.Bool
        select (Expr)new StrPred(field, op, value, quote + value + quote, wrap);

    private static readonly Gen<Expr> s_predicate = Gen.OneOf(s_numeric, s_numeric, s_string);

    [Fact]
    public void Matches_RandomExpressions_AgreeWithReferenceEvaluation()
    {
        var cases = from expr in Expression(4) from records in s_record.Array[1, 6] select (expr, records);
        cases.Sample(
            (expr, records) =>
            {
                var text = Print(expr);
                var parsed = EventFilterParser.Parse(text, s_layout);
                Assert.True(parsed.IsSuccess, $"'{text}': {parsed.Error}");
                var normalised = EventFilterParser.Parse(parsed.Value.Text, s_layout);
                Assert.True(normalised.IsSuccess, $"'{parsed.Value.Text}': {normalised.Error}");
                Assert.Equal(parsed.Value.Text, normalised.Value.Text);
                foreach (var record in records)
                {
                    var bytes = Bytes(record);
                    var expected = Evaluate(expr, record);
                    Assert.True(expected == parsed.Value.Matches(bytes), $"'{text}' on {record}: expected {expected}");
                    Assert.True(expected == normalised.Value.Matches(bytes), $"'{parsed.Value.Text}' on {record}: expected {expected}");
                }
            },
            iter: 3000,
            print: t => Print(t.Item1) + " on " + string.Join("; ", t.Item2.Select(r => r.ToString())));
    }

    private static Gen<Expr> Expression(int depth) => depth == 0
        ? s_predicate
        : Gen.Frequency(
            (3, s_predicate),
            (2, from l in Expression(depth - 1) from r in Expression(depth - 1) from w in Gen.Bool select (Expr)new And(l, r, w)),
            (2, from l in Expression(depth - 1) from r in Expression(depth - 1) from w in Gen.Bool select (Expr)new Or(l, r, w)),
            (1, from e in Expression(depth - 1) from w in Gen.Bool select (Expr)new Not(e, w)));

    // The reference: arbitrary-precision arithmetic on the values as the C types hold them, regex for globs.
    private static bool Evaluate(Expr expr, Rec record) => expr switch
    {
        And and => Evaluate(and.Left, record) && Evaluate(and.Right, record),
        Or or => Evaluate(or.Left, record) || Evaluate(or.Right, record),
        Not not => !Evaluate(not.Operand, record),
        NumPred p => Compare(p, p.Field switch { "a" => record.A, "b" => record.B, _ => record.C }),
        StrPred p => Compare(p, p.Field == "name" ? record.Name : record.Path),
        _ => throw new ArgumentOutOfRangeException(nameof(expr)),
    };

    private static bool Compare(NumPred p, Int128 value) => p.Op switch
    {
        "==" => value == p.Value,
        "!=" => value != p.Value,
        "<" => value < p.Value,
        "<=" => value <= p.Value,
        ">" => value > p.Value,
        ">=" => value >= p.Value,
        _ => ((ulong)(value & ulong.MaxValue) & (ulong)(p.Value & ulong.MaxValue)) != 0,
    };

    private static bool Compare(StrPred p, string value) => p.Op switch
    {
        "==" => value == p.Value,
        "!=" => value != p.Value,
        _ => Regex.IsMatch(value, GlobToRegex(p.Value), RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(5)),
    };

    private static string GlobToRegex(string glob)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            switch (glob[i])
            {
                case '*': regex.Append(".*"); break;
                case '?': regex.Append('.'); break;
                case '[':
                    var close = glob.IndexOf(']', i + 2);
                    var members = glob[(i + 1)..close];
                    regex.Append('[').Append(members.StartsWith('!') ? "^" + members[1..] : members).Append(']');
                    i = close;
                    break;
                default: regex.Append(Regex.Escape(glob[i].ToString())); break;
            }
        }

        return regex.Append('$').ToString();
    }

    private static string Print(Expr expr)
    {
        var text = expr switch
        {
            Or or => Child(or.Left, 1) + " || " + Child(or.Right, 1),
            And and => Child(and.Left, 2) + " && " + Child(and.Right, 2),
            Not not => "!" + Child(not.Operand, 3),
            NumPred p => $"{p.Field} {p.Op} {p.Literal}",
            StrPred p => $"{p.Field} {p.Op} {p.Literal}",
            _ => throw new ArgumentOutOfRangeException(nameof(expr)),
        };
        return expr.Wrap ? "(" + text + ")" : text;
    }

    // C precedence: a child binding looser than its parent needs parentheses.
    private static string Child(Expr child, int parentPrecedence)
    {
        var precedence = child switch { Or => 1, And => 2, _ => 3 };
        return precedence < parentPrecedence ? "(" + Print(child) + ")" : Print(child);
    }

    private static string Literal(Int128 value, bool hex)
    {
        var magnitude = value < 0 ? -value : value;
        var digits = hex ? "0x" + ((UInt128)magnitude).ToString("x", CultureInfo.InvariantCulture) : magnitude.ToString(CultureInfo.InvariantCulture);
        return value < 0 ? "-" + digits : digits;
    }

    private static byte[] Bytes(Rec record) => new TestRecord(s_layout)
        .Set("a", record.A).Set("b", record.B).Set("c", record.C).Set("name", record.Name).Set("path", record.Path).Build();

    private static EventLayout Layout()
    {
        var b = new EventLayoutBuilder();
        b.S32("a");
        b.U64("b");
        b.U8("c");
        b.Chars("name", 8);
        b.DynamicString("path");
        return b.Build();
    }

    private abstract record Expr(bool Wrap);

    private sealed record And(Expr Left, Expr Right, bool Wrap) : Expr(Wrap);

    private sealed record Or(Expr Left, Expr Right, bool Wrap) : Expr(Wrap);

    private sealed record Not(Expr Operand, bool Wrap) : Expr(Wrap);

    private sealed record NumPred(string Field, string Op, Int128 Value, string Literal, bool Wrap) : Expr(Wrap);

    private sealed record StrPred(string Field, string Op, string Value, string Literal, bool Wrap) : Expr(Wrap);

    private sealed record Rec(int A, ulong B, byte C, string Name, string Path);
}
