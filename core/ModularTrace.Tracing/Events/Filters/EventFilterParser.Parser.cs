using System.Text;

namespace ModularTrace.Events.Filters;

public static partial class EventFilterParser
{
    /// <summary>
    /// The kernel's three steps, in its order, so the first error reported is the kernel's: <c>calc_stack()</c> checks
    /// quotes and parentheses over the whole text, then <c>predicate_parse()</c> walks it left to right and hands each
    /// predicate to <c>parse_pred()</c>. The tree is built as the walk goes.
    /// </summary>
    private sealed partial class Parser(string text, EventLayout layout)
    {
        public CommandError? Error { get; private set; }

        public FilterNode? Run()
        {
            if (!CheckBalance(out var predicates))
            {
                return null;
            }

            // process_preds() returns -EINVAL for nothing to parse without naming an error: FILT_ERR_ERRNO at 0.
            return predicates == 0
                ? Fail(0, FilterErrors.Errno, "the filter is empty; write 'field op value', e.g. common_pid == 1")
                : Walk();
        }

        // calc_stack(): counts predicates and finds a quote never closed, a ')' that closes nothing, or the '(' never
        // closed, before any predicate is read.
        private bool CheckBalance(out int predicates)
        {
            predicates = 0;
            var inPredicate = false;
            var open = 1; // the whole expression counts as "(E)"
            var lastQuote = 0;
            var quote = '\0';
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (IsSpace(c))
                {
                    continue;
                }

                if (quote != '\0')
                {
                    quote = c == quote ? '\0' : quote;
                    continue;
                }

                switch (c)
                {
                    case '\'' or '"':
                        quote = c;
                        lastQuote = i;
                        break;
                    case '&' or '|' when i + 1 < text.Length && text[i + 1] == c:
                        inPredicate = false;
                        continue;
                    case '(':
                        inPredicate = false;
                        open++;
                        continue;
                    case ')':
                        inPredicate = false;
                        if (open == 1)
                        {
                            Fail(i, FilterErrors.TooManyClose, "this ')' closes no '('");
                            return false;
                        }

                        open--;
                        continue;
                }

                if (!inPredicate)
                {
                    predicates++;
                    inPredicate = true;
                }
            }

            if (quote != '\0')
            {
                Fail(lastQuote, FilterErrors.MissingQuote, $"the {quote} here is never closed");
                return false;
            }

            if (open != 1)
            {
                Fail(UnclosedParenthesis(open), FilterErrors.TooManyOpen, "a '(' is never closed");
                return false;
            }

            return true;
        }

        // calc_stack()'s backward scan, quirks included: it reports the last '(' with no ')' after it and never looks at
        // byte 0, which it reports when it finds nothing else.
        private int UnclosedParenthesis(int open)
        {
            var level = open;
            var quote = '\0';
            for (var i = text.Length - 1; i > 0; i--)
            {
                var c = text[i];
                if (quote != '\0')
                {
                    quote = c == quote ? '\0' : quote;
                    continue;
                }

                switch (c)
                {
                    case '(' when level == open:
                        return i;
                    case '(':
                        level--;
                        break;
                    case ')':
                        level++;
                        break;
                    case '\'' or '"':
                        quote = c;
                        break;
                }
            }

            return 0;
        }

        // predicate_parse(): '(' and '!' until a predicate, then ')' , '&&', '||' or the end. Positions here are the
        // kernel's "next - str": the offending byte itself.
        private FilterNode? Walk()
        {
            var frames = new List<Frame> { new(0, 0) };
            var pendingNots = 0;
            var depth = 0;
            var danglingOperator = -1;
            var predicates = 0;
            var i = 0;
            while (true)
            {
                SkipSpace(ref i);
                if (i == text.Length)
                {
                    break;
                }

                var c = text[i];
                if (depth + pendingNots >= MaxDepth)
                {
                    return Fail(i, "Expression nested too deeply", $"at most {MaxDepth} levels of '(' and '!'");
                }

                // "!=" and "!~" are not a NOT (is_not()); they fall to the predicate, which finds no field name.
                if (c == '!' && !(i + 1 < text.Length && text[i + 1] is '=' or '~'))
                {
                    pendingNots++;
                    i++;
                    continue;
                }

                if (c == '(')
                {
                    // The '(' right after a '!' is that '!''s operand: one level, not two, so the normal form
                    // "!(...)" nests no deeper than what was typed (afl++: tests/ModularTrace.Fuzz/crashes/filter/).
                    var level = pendingNots > 0 ? 0 : 1;
                    frames.Add(new Frame(pendingNots, level));
                    depth += pendingNots + level;
                    pendingNots = 0;
                    i++;
                    continue;
                }

                var node = ParsePredicate(i, out i);
                if (node is null)
                {
                    return null;
                }

                predicates++;
                frames[^1].And(Negate(node, pendingNots));
                pendingNots = 0;
                danglingOperator = -1;
                while (true)
                {
                    SkipSpace(ref i);
                    if (i == text.Length)
                    {
                        // calc_stack() has checked every '(' is closed; the kernel's own check stays as its safety net.
                        return frames.Count == 1 ? frames[0].Build() : Fail(i, FilterErrors.TooManyOpen, "a '(' is never closed", bytesAfter: 1);
                    }

                    c = text[i];
                    if (c == ')')
                    {
                        if (frames.Count == 1)
                        {
                            return Fail(i, FilterErrors.TooManyClose, "this ')' closes no '('", bytesAfter: 1);
                        }

                        var frame = frames[^1];
                        frames.RemoveAt(frames.Count - 1);
                        depth -= frame.Nots + frame.Level;
                        frames[^1].And(Negate(frame.Build(), frame.Nots));
                        i++;
                        continue;
                    }

                    if (c is '&' or '|' && i + 1 < text.Length && text[i + 1] == c)
                    {
                        if (c == '|')
                        {
                            frames[^1].Or();
                        }

                        danglingOperator = i;
                        i += 2;
                        break;
                    }

                    return Fail(i, FilterErrors.TooManyPredicates, "expecting '&&', '||' or ')' after a predicate");
                }
            }

            if (predicates == 0)
            {
                return Fail(i, FilterErrors.NoFilter, "'!' needs a predicate or a '(...)' after it");
            }

            // The kernel ignores an operator with nothing after it ("a == 1 &&" is "a == 1"); ModularTrace refuses it,
            // so a filter cut short is not run as a different one (docs/filters.md).
            return Fail(danglingOperator, FilterErrors.InvalidFilter,
                $"nothing follows '{text.AsSpan(danglingOperator, 2)}'; the kernel would drop it, ModularTrace refuses it");
        }

        private static FilterNode Negate(FilterNode node, int nots)
        {
            for (; nots > 0; nots--)
            {
                node = new NotNode(node);
            }

            return node;
        }

        private void SkipSpace(ref int i)
        {
            while (i < text.Length && IsSpace(text[i]))
            {
                i++;
            }
        }

        private FilterNode? Fail(int at, string message, string? hint, int bytesAfter = 0)
        {
            // Positions are bytes, as the kernel's: the UTF-8 bytes before the offending character, plus parse_pred()'s
            // one. That can point one past the end (an unknown field that ends the filter), as the kernel's caret does.
            var inside = Math.Min(at, text.Length);
            Error ??= new CommandError(ErrorSubsystem, text, Encoding.UTF8.GetByteCount(text.AsSpan(0, inside)) + (at - inside) + bytesAfter, message)
            {
                Hint = hint,
            };
            return null;
        }

        /// <summary>One level of parentheses: the '||' of '&amp;&amp;' chains seen so far, both left-associative.</summary>
        private sealed class Frame(int nots, int level)
        {
            private FilterNode? _or;
            private FilterNode? _and;

            /// <summary>The '!'s in front of this '(', applied when it closes.</summary>
            public int Nots { get; } = nots;

            /// <summary>How deep this '(' counts: 0 right after a '!', else 1.</summary>
            public int Level { get; } = level;

            public void And(FilterNode operand) => _and = _and is null ? operand : new AndNode(_and, operand);

            public void Or()
            {
                _or = _or is null ? _and : new OrNode(_or, _and!);
                _and = null;
            }

            public FilterNode Build() => _or is null ? _and! : _and is null ? _or : new OrNode(_or, _and);
        }
    }
}
