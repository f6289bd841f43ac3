using System.Globalization;
using System.Text;

namespace ModularTrace.Events.Filters;

/// <summary>The operators of a filter predicate.</summary>
internal enum FilterOp
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    BitAnd,
    Glob,
}

/// <summary>
/// One node of a compiled filter tree. Evaluation reads the record in place: no allocation, no boxing.
/// Nodes are immutable once built, so one filter may run on many threads at once.
/// </summary>
internal abstract class FilterNode
{
    /// <summary>Binding strength for printing: 1 <c>||</c>, 2 <c>&amp;&amp;</c>, 3 <c>!</c> and predicates.</summary>
    public abstract int Precedence { get; }

    public abstract bool Evaluate(ReadOnlySpan<byte> record);

    public abstract void Print(StringBuilder text);

    public static string Spell(FilterOp op) => op switch
    {
        FilterOp.Equal => "==",
        FilterOp.NotEqual => "!=",
        FilterOp.Less => "<",
        FilterOp.LessOrEqual => "<=",
        FilterOp.Greater => ">",
        FilterOp.GreaterOrEqual => ">=",
        FilterOp.BitAnd => "&",
        _ => "~",
    };

    protected void PrintOperand(FilterNode operand, StringBuilder text)
    {
        if (operand.Precedence < Precedence)
        {
            text.Append('(');
            operand.Print(text);
            text.Append(')');
        }
        else
        {
            operand.Print(text);
        }
    }
}

internal sealed class OrNode(FilterNode left, FilterNode right) : FilterNode
{
    public override int Precedence => 1;

    public override bool Evaluate(ReadOnlySpan<byte> record) => left.Evaluate(record) || right.Evaluate(record);

    public override void Print(StringBuilder text)
    {
        PrintOperand(left, text);
        text.Append(" || ");
        PrintOperand(right, text);
    }
}

internal sealed class AndNode(FilterNode left, FilterNode right) : FilterNode
{
    public override int Precedence => 2;

    public override bool Evaluate(ReadOnlySpan<byte> record) => left.Evaluate(record) && right.Evaluate(record);

    public override void Print(StringBuilder text)
    {
        PrintOperand(left, text);
        text.Append(" && ");
        PrintOperand(right, text);
    }
}

internal sealed class NotNode(FilterNode operand) : FilterNode
{
    public override int Precedence => 3;

    public override bool Evaluate(ReadOnlySpan<byte> record) => !operand.Evaluate(record);

    public override void Print(StringBuilder text)
    {
        // Always bracketed: "!(pid == 1)" reads unambiguously whatever the operand is.
        text.Append("!(");
        operand.Print(text);
        text.Append(')');
    }
}

/// <summary>A numeric field against a constant, compared signed or unsigned as the field is.</summary>
internal sealed class NumericNode(EventField field, FilterOp op, ulong constant) : FilterNode
{
    private readonly EventField _field = field;
    private readonly FilterOp _op = op;
    private readonly ulong _constant = constant;
    private readonly bool _signed = field.IsSigned;

    public override int Precedence => 3;

    public override bool Evaluate(ReadOnlySpan<byte> record)
    {
        // ReadInt64 sign-extends signed types and zero-extends unsigned ones, so the 64-bit bits compare exactly.
        var bits = unchecked((ulong)RecordValues.ReadInt64(record, _field));
        return _op switch
        {
            FilterOp.Equal => bits == _constant,
            FilterOp.NotEqual => bits != _constant,
            FilterOp.BitAnd => (bits & _constant) != 0,
            _ => _signed ? Order(unchecked((long)bits).CompareTo(unchecked((long)_constant))) : Order(bits.CompareTo(_constant)),
        };
    }

    public override void Print(StringBuilder text)
    {
        text.Append(_field.Name).Append(' ').Append(Spell(_op)).Append(' ');
        if (_signed)
        {
            text.Append(unchecked((long)_constant).ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            text.Append(_constant.ToString(CultureInfo.InvariantCulture));
        }
    }

    private bool Order(int comparison) => _op switch
    {
        FilterOp.Less => comparison < 0,
        FilterOp.LessOrEqual => comparison <= 0,
        FilterOp.Greater => comparison > 0,
        _ => comparison >= 0,
    };
}

/// <summary>A text field against a UTF-8 constant encoded once at parse time: equality or glob.</summary>
internal sealed class StringNode(EventField field, FilterOp op, string constant) : FilterNode
{
    private readonly EventField _field = field;
    private readonly FilterOp _op = op;
    private readonly string _constant = constant;
    private readonly byte[] _utf8 = Encoding.UTF8.GetBytes(constant);

    public override int Precedence => 3;

    public override bool Evaluate(ReadOnlySpan<byte> record)
    {
        var value = RecordValues.ReadUtf8(record, _field);
        return _op switch
        {
            FilterOp.Equal => value.SequenceEqual(_utf8),
            FilterOp.NotEqual => !value.SequenceEqual(_utf8),
            _ => Glob.IsMatch(_utf8, value),
        };
    }

    public override void Print(StringBuilder text)
    {
        // A quoted value cannot hold its own quote, so pick the quote it does not contain.
        var quote = _constant.Contains('"', StringComparison.Ordinal) ? '\'' : '"';
        text.Append(_field.Name).Append(' ').Append(Spell(_op)).Append(' ').Append(quote).Append(_constant).Append(quote);
    }
}

/// <summary>
/// <c>common_trace_id</c> against a constant: the 16 bytes compared with 32 hex digits for <c>==</c> and <c>!=</c>
/// (either case, as W3C allows in input), or the lower-case hex text the outputs show matched by a glob.
/// </summary>
internal sealed class TraceIdNode(FilterOp op, string constant) : FilterNode
{
    private const int Size = 16;
    private readonly FilterOp _op = op;
    private readonly string _constant = constant;
    private readonly byte[] _id = TryParse(constant, out var id) ? id : [];
    private readonly byte[] _pattern = Encoding.UTF8.GetBytes(constant);

    public override int Precedence => 3;

    /// <summary>32 hex digits, nothing else; the bytes they spell.</summary>
    public static bool TryParse(string text, out byte[] id)
    {
        id = [];
        if (text.Length != 2 * Size || !text.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        id = Convert.FromHexString(text);
        return true;
    }

    public override bool Evaluate(ReadOnlySpan<byte> record)
    {
        var field = EventLayout.TraceIdField;
        var value = record.Length >= field.Offset + Size ? record.Slice(field.Offset, Size) : stackalloc byte[Size];
        if (_op != FilterOp.Glob)
        {
            return value.SequenceEqual(_id) == (_op == FilterOp.Equal);
        }

        // The text form, as the outputs print it (CtfPacketBuilder writes it the same way), without allocating.
        Span<byte> text = stackalloc byte[2 * Size];
        Convert.TryToHexStringLower(value, text, out _);
        return Glob.IsMatch(_pattern, text);
    }

    public override void Print(StringBuilder text)
    {
        var quote = _constant.Contains('"', StringComparison.Ordinal) ? '\'' : '"';
        text.Append(EventLayout.TraceIdField.Name).Append(' ').Append(Spell(_op)).Append(' ').Append(quote).Append(_constant).Append(quote);
    }
}
