using System.Text;

namespace ModularTrace.Events.Filters;

/// <summary>
/// Parses the kernel's event filter language (<c>events/&lt;system&gt;/&lt;event&gt;/filter</c>) against an event layout
/// and compiles it once into a tree that runs on the record bytes without allocating.
/// </summary>
/// <remarks>
/// <para>Grammar, with C precedence (<c>!</c> over <c>&amp;&amp;</c> over <c>||</c>):</para>
/// <code>
/// expr      := and ('||' and)*
/// and       := unary ('&amp;&amp;' unary)*
/// unary     := '!' unary | '(' expr ')' | predicate
/// predicate := field op value
/// </code>
/// <para>Numeric fields take <c>== != &lt; &lt;= &gt; &gt;= &amp;</c> (<c>&amp;</c>: any common bit) and an integer read as the
/// kernel's <c>kstrtoll</c>/<c>kstrtoull</c> with base 0 do: decimal, <c>0x</c> hex, leading-<c>0</c> octal, a sign only
/// for signed fields. Values compare as 64-bit numbers, signed or unsigned as the field is (a <c>u64</c> compares
/// unsigned). Text fields (<c>char[N]</c>, <c>__data_loc</c>) take <c>== != ~</c> and a value in double or single quotes
/// or a bare word; <c>~</c> is a glob (<c>*</c>, <c>?</c>, <c>[...]</c>) and every comparison is on UTF-8 bytes.</para>
/// </remarks>
public static class EventFilterParser
{
    /// <summary>The subsystem name the kernel logs filter errors under in <c>error_log</c>.</summary>
    public const string ErrorSubsystem = "event filter parse error";

    // Bounds recursion on hostile input such as 10,000 '('; far beyond any real filter.
    private const int MaxDepth = 100;

    /// <summary>Parses and compiles a filter for events of <paramref name="layout"/>.</summary>
    /// <returns>The filter (its <see cref="EventFilter.Text"/> is the normalised expression), or the error with the
    /// byte position of the offending token, ready for <see cref="ErrorLog.Add"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static ParseResult<EventFilter> Parse(string text, EventLayout layout)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(layout);
        return Parse(text, 0, layout);
    }

    /// <summary>Parses <c>command[start..]</c>; error positions count from the start of <paramref name="command"/>.</summary>
    internal static ParseResult<EventFilter> Parse(string command, int start, EventLayout layout)
    {
        var parser = new Parser(command, start, layout);
        var root = parser.Run();
        return root is null
            ? new ParseResult<EventFilter>(parser.Error!)
            : new ParseResult<EventFilter>(new CompiledFilter(root, layout));
    }

    private sealed class Parser(string text, int start, EventLayout layout)
    {
        private int _pos = start;
        private int _depth;

        public CommandError? Error { get; private set; }

        public FilterNode? Run()
        {
            SkipSpace();
            if (_pos == text.Length)
            {
                return Fail(_pos, "No filter found");
            }

            var root = ParseOr();
            if (root is null)
            {
                return null;
            }

            SkipSpace();
            if (_pos < text.Length)
            {
                return Fail(_pos, text[_pos] == ')' ? "Too few '('" : "Expecting '&&' or '||'");
            }

            return root;
        }

        private FilterNode? ParseOr()
        {
            var left = ParseAnd();
            while (left is not null)
            {
                SkipSpace();
                if (!At("||"))
                {
                    return left;
                }

                _pos += 2;
                var right = ParseAnd();
                left = right is null ? null : new OrNode(left, right);
            }

            return null;
        }

        private FilterNode? ParseAnd()
        {
            var left = ParseUnary();
            while (left is not null)
            {
                SkipSpace();
                if (!At("&&"))
                {
                    return left;
                }

                _pos += 2;
                var right = ParseUnary();
                left = right is null ? null : new AndNode(left, right);
            }

            return null;
        }

        // operandOfNot: the '(' of "!(" counts no deeper than its '!' did. The normal form writes every NOT as "!(...)",
        // so counting both would make the normal form of "!!...!x" (one level per '!') twice as deep as what was
        // typed and refuse it (found by afl++: tests/ModularTrace.Fuzz/crashes/filter/). Counted this way the normal
        // form nests no deeper than its source: it only drops redundant brackets and adds "(" right after a '!'.
        private FilterNode? ParseUnary(bool operandOfNot = false)
        {
            SkipSpace();
            if (_depth >= MaxDepth)
            {
                return Fail(_pos, "Expression nested too deeply");
            }

            if (At("!") && !At("!="))
            {
                _pos++;
                _depth++;
                var operand = ParseUnary(operandOfNot: true);
                _depth--;
                return operand is null ? null : new NotNode(operand);
            }

            if (!At("("))
            {
                return ParsePredicate();
            }

            var open = _pos++;
            var level = operandOfNot ? 0 : 1;
            _depth += level;
            var inner = ParseOr();
            _depth -= level;
            if (inner is null)
            {
                return null;
            }

            SkipSpace();
            if (_pos == text.Length)
            {
                return Fail(open, "Too many '('");
            }

            if (text[_pos] != ')')
            {
                return Fail(_pos, "Expecting '&&', '||' or ')'");
            }

            _pos++;
            return inner;
        }

        private FilterNode? ParsePredicate()
        {
            SkipSpace();
            var fieldStart = _pos;
            if (_pos == text.Length || text[_pos] == ')')
            {
                return Fail(_pos, "Missing operand");
            }

            if (!IsIdentifierStart(text[_pos]))
            {
                return Fail(_pos, "Expecting field name");
            }

            while (_pos < text.Length && IsIdentifierPart(text[_pos]))
            {
                _pos++;
            }

            var name = text[fieldStart.._pos];
            if (!layout.TryGetField(name, out var field))
            {
                return Fail(fieldStart, $"Field not found: '{name}' (fields: {string.Join(", ", layout.AllFields.Select(f => f.Name))})");
            }

            SkipSpace();
            var opStart = _pos;
            if (!TryReadOperator(out var op))
            {
                return Fail(_pos, "Expecting operator: == != < <= > >= & for numbers, == != ~ for strings");
            }

            var isText = field.Type.IsText();
            if (isText ? op is not (FilterOp.Equal or FilterOp.NotEqual or FilterOp.Glob) : op == FilterOp.Glob)
            {
                return Fail(opStart, $"Illegal operation for field type: '{FilterNode.Spell(op)}' on '{field.Declaration}' (valid: {(isText ? "== != ~" : "== != < <= > >= &")})");
            }

            SkipSpace();
            return isText ? ParseString(field, op) : ParseNumber(field, op);
        }

        private FilterNode? ParseString(EventField field, FilterOp op)
        {
            var valueStart = _pos;
            if (At("\"") || At("'"))
            {
                var close = text.IndexOf(text[_pos], _pos + 1);
                if (close < 0)
                {
                    return Fail(valueStart, "Missing matching quote");
                }

                _pos = close + 1;
                return new StringNode(field, op, text[(valueStart + 1)..close]);
            }

            var word = ReadWord();
            return word.Length == 0 ? Fail(valueStart, "Missing operand") : new StringNode(field, op, word);
        }

        private FilterNode? ParseNumber(EventField field, FilterOp op)
        {
            var valueStart = _pos;
            if (At("\"") || At("'"))
            {
                return Fail(valueStart, $"Illegal integer value: '{field.Name}' is a number, quotes are for strings");
            }

            var word = ReadWord();
            if (word.Length == 0)
            {
                return Fail(valueStart, "Missing operand");
            }

            return TryParseInteger(word, field.IsSigned, out var bits)
                ? new NumericNode(field, op, bits)
                : Fail(valueStart, $"Illegal integer value: '{word}' for {field.Type.CName()} field '{field.Name}'");
        }

        private bool TryReadOperator(out FilterOp op)
        {
            op = FilterOp.Equal;
            if (_pos >= text.Length)
            {
                return false;
            }

            var two = _pos + 1 < text.Length ? text.AsSpan(_pos, 2) : [];
            (op, var length) = two switch
            {
                "==" => (FilterOp.Equal, 2),
                "!=" => (FilterOp.NotEqual, 2),
                "<=" => (FilterOp.LessOrEqual, 2),
                ">=" => (FilterOp.GreaterOrEqual, 2),
                "&&" => (FilterOp.Equal, 0),
                _ => text[_pos] switch
                {
                    '<' => (FilterOp.Less, 1),
                    '>' => (FilterOp.Greater, 1),
                    '&' => (FilterOp.BitAnd, 1),
                    '~' => (FilterOp.Glob, 1),
                    _ => (FilterOp.Equal, 0),
                },
            };
            _pos += length;
            return length > 0;
        }

        /// <summary>A bare value: up to white space, a parenthesis, a quote, or the start of <c>&amp;&amp;</c>/<c>||</c>.</summary>
        private string ReadWord()
        {
            var begin = _pos;
            while (_pos < text.Length && !IsSpace(text[_pos]) && text[_pos] is not ('(' or ')' or '&' or '|' or '"' or '\''))
            {
                _pos++;
            }

            return text[begin.._pos];
        }

        private bool At(string token) => text.AsSpan(_pos).StartsWith(token, StringComparison.Ordinal);

        private void SkipSpace()
        {
            while (_pos < text.Length && IsSpace(text[_pos]))
            {
                _pos++;
            }
        }

        private FilterNode? Fail(int at, string message)
        {
            // Positions are bytes, as the kernel's: count the UTF-8 bytes before the offending character.
            Error ??= new CommandError(ErrorSubsystem, text, Encoding.UTF8.GetByteCount(text.AsSpan(0, at)), message);
            return null;
        }
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\r' or '\v' or '\f';

    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsIdentifierPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    /// <summary>An integer as the kernel's <c>kstrtoll</c>/<c>kstrtoull</c> with base 0 read it, as 64 bits.</summary>
    internal static bool TryParseInteger(ReadOnlySpan<char> text, bool signed, out ulong bits)
    {
        bits = 0;
        var negative = false;
        if (text.Length > 0 && text[0] is '-' or '+')
        {
            negative = text[0] == '-';
            if (negative && !signed)
            {
                return false;
            }

            text = text[1..];
        }

        var radix = 10;
        if (text.Length > 2 && text[0] == '0' && text[1] is 'x' or 'X')
        {
            radix = 16;
            text = text[2..];
        }
        else if (text.Length > 1 && text[0] == '0')
        {
            radix = 8;
            text = text[1..];
        }

        if (text.IsEmpty)
        {
            return false;
        }

        UInt128 magnitude = 0;
        foreach (var c in text)
        {
            var digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiHexDigitLower(c) ? c - 'a' + 10 : char.IsAsciiHexDigitUpper(c) ? c - 'A' + 10 : 99;
            if (digit >= radix)
            {
                return false;
            }

            magnitude = (magnitude * (uint)radix) + (uint)digit;
            if (magnitude > ulong.MaxValue)
            {
                return false;
            }
        }

        if (!signed)
        {
            bits = (ulong)magnitude;
            return true;
        }

        if (negative ? magnitude > (UInt128)long.MaxValue + 1 : magnitude > long.MaxValue)
        {
            return false;
        }

        bits = negative ? unchecked(0UL - (ulong)magnitude) : (ulong)magnitude;
        return true;
    }
}
