using System.Text;

namespace ModularTrace.Events.Filters;

public static partial class EventFilterParser
{
    private sealed partial class Parser
    {
        // parse_pred(): field, operator, value. The kernel hands it the predicate's start plus one as its base, so
        // each error found here points one byte right of what it concerns: after an unknown field's name, one past the
        // first byte of a bad operator or value. Kept, because tools and people read error_log by the caret.
        private FilterNode? ParsePredicate(int start, out int end)
        {
            end = start;
            var i = start;
            while (i < text.Length && IsFieldChar(text[i]))
            {
                i++;
            }

            if (i == start)
            {
                // parse_pred() returns -1 without naming an error: the kernel logs FILT_ERR_ERRNO at 0.
                return Fail(0, FilterErrors.Errno, $"expecting a field name at byte {Bytes(start)}, found '{text[start]}'");
            }

            var name = text[start..i];
            if (!layout.TryGetField(name, out var field))
            {
                return FailInside(i, FilterErrors.FieldNotFound,
                    $"'{name}' is not a field of this event; fields: {string.Join(", ", layout.AllFields.Select(f => f.Name))}");
            }

            // The trace id is an array the kernel has no counterpart of; it is compared as the text everything shows
            // (32 lower-case hex digits), with a char array's rules: == != ~, quoted. Other arrays compare as neither.
            var isTraceId = ReferenceEquals(field, EventLayout.TraceIdField);
            if (field.IsArray && !isTraceId)
            {
                return FailInside(i, FilterErrors.IllegalFieldOp, $"'{name}' is {field.Declaration}: filters compare numbers and text");
            }

            SkipSpace(ref i);
            if (!TryReadOperator(ref i, out var op))
            {
                return FailInside(i, FilterErrors.InvalidOperator, "operators: == != < <= > >= & for numbers, == != ~ for strings");
            }

            SkipSpace(ref i);
            var valueStart = i;
            var isText = isTraceId || field.Type.IsText();
            if (i < text.Length && text[i] is '"' or '\'')
            {
                if (op is not (FilterOp.Equal or FilterOp.NotEqual or FilterOp.Glob))
                {
                    return FailInside(i, FilterErrors.IllegalFieldOp, $"'{FilterNode.Spell(op)}' does not compare text; text takes == != ~");
                }

                if (!isText)
                {
                    return FailInside(i, FilterErrors.ExpectDigit, $"'{name}' is {field.Type.CName()}: write the number without quotes");
                }

                var close = text.IndexOf(text[i], i + 1);
                if (close < 0)
                {
                    return FailInside(text.Length, FilterErrors.MissingQuote, "the quote is never closed");
                }

                var value = text[(i + 1)..close];
                if (Encoding.UTF8.GetByteCount(value) >= MaxStringValue)
                {
                    return FailInside(close, FilterErrors.OperandTooLong, $"a text value holds at most {MaxStringValue - 1} bytes");
                }

                if (isTraceId)
                {
                    if (op != FilterOp.Glob && !TraceIdNode.TryParse(value, out _))
                    {
                        return FailInside(i, FilterErrors.InvalidValue, $"'{name}' is a W3C trace id: 32 hex digits, e.g. {name} == \"4bf92f3577b34da6a3ce929d0e0e4736\"");
                    }

                    end = close + 1;
                    return new TraceIdNode(op, value);
                }

                end = close + 1;
                return new StringNode(field, op, value);
            }

            if (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '-'))
            {
                if (isText)
                {
                    return FailInside(i, FilterErrors.ExpectString, $"'{name}' is text: quote the value, {name} {FilterNode.Spell(op)} \"{Word(i)}\"");
                }

                if (op == FilterOp.Glob)
                {
                    return FailInside(i, FilterErrors.IllegalFieldOp, $"'~' is for text; '{name}' is {field.Type.CName()}: == != < <= > >= &");
                }

                i += text[i] == '-' ? 1 : 0;
                while (i < text.Length && char.IsAsciiLetterOrDigit(text[i]))
                {
                    i++;
                }

                var number = text[valueStart..i];
                if (number.Length >= MaxNumberLength)
                {
                    return FailInside(i, FilterErrors.OperandTooLong, $"a number has at most {MaxNumberLength - 1} characters");
                }

                if (!TryParseInteger(number, field.IsSigned, out var bits))
                {
                    return FailInside(valueStart, FilterErrors.IllegalIntegerValue,
                        $"'{number}' is not a {field.Type.CName()} value (decimal, 0x hex, 0 octal{(field.IsSigned ? "" : ", no sign")})");
                }

                end = i;
                return new NumericNode(field, op, bits);
            }

            var word = Word(i);
            return FailInside(i, FilterErrors.InvalidValue, isText
                ? $"quote the text: {name} {FilterNode.Spell(op)} \"{word}\""
                : word.Length == 0 ? $"a value is missing after '{FilterNode.Spell(op)}'" : $"'{name}' is {field.Type.CName()}: expecting a number, found '{word}'");
        }

        // The kernel's ops[] order: "<=" before "<" and ">=" before ">", "&" last, "=" alone is none of them.
        private bool TryReadOperator(ref int i, out FilterOp op)
        {
            var rest = text.AsSpan(i);
            (op, var length) = rest switch
            {
                ['~', ..] => (FilterOp.Glob, 1),
                ['!', '=', ..] => (FilterOp.NotEqual, 2),
                ['=', '=', ..] => (FilterOp.Equal, 2),
                ['<', '=', ..] => (FilterOp.LessOrEqual, 2),
                ['<', ..] => (FilterOp.Less, 1),
                ['>', '=', ..] => (FilterOp.GreaterOrEqual, 2),
                ['>', ..] => (FilterOp.Greater, 1),
                ['&', ..] => (FilterOp.BitAnd, 1),
                _ => (FilterOp.Equal, 0),
            };
            i += length;
            return length > 0;
        }

        /// <summary>The bare word at <paramref name="at"/> for a hint: up to white space, a parenthesis or '&amp;&amp;'/'||'.</summary>
        private string Word(int at)
        {
            var end = at;
            while (end < text.Length && !IsSpace(text[end]) && text[end] is not ('(' or ')' or '&' or '|') && end - at < 40)
            {
                end++;
            }

            return text[at..end];
        }

        private int Bytes(int at) => Encoding.UTF8.GetByteCount(text.AsSpan(0, at));

        private FilterNode? FailInside(int at, string message, string? hint) => Fail(at, message, hint, bytesAfter: 1);
    }
}
