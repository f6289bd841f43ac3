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
/// kernel's <c>kstrtoll</c>/<c>kstrtoull</c> with base 0 do: decimal, <c>0x</c> hex, leading-<c>0</c> octal, a <c>-</c>
/// only for signed fields. Values compare as 64-bit numbers, signed or unsigned as the field is (a <c>u64</c> compares
/// unsigned). Text fields (<c>char[N]</c>, <c>__data_loc</c>) take <c>== != ~</c> and a value in double or single quotes;
/// <c>~</c> is a glob (<c>*</c>, <c>?</c>, <c>[...]</c>) and every comparison is on UTF-8 bytes.</para>
/// <para>Errors carry the kernel's <c>err_text[]</c> wording and the byte position <c>trace_events_filter.c</c> computes
/// for them (off by one inside a predicate, as the kernel's); what ModularTrace knows beyond that is the
/// <see cref="CommandError.Hint"/>. Where the kernel is laxer (a trailing <c>&amp;&amp;</c>) this parser refuses, so
/// every filter it accepts means the same on the kernel: docs/filters.md.</para>
/// </remarks>
public static partial class EventFilterParser
{
    /// <summary>The subsystem name the kernel logs filter errors under in <c>error_log</c>.</summary>
    public const string ErrorSubsystem = "event filter parse error";

    // MAX_FILTER_STR_VAL: a quoted value of this many bytes or more is "Operand too long".
    internal const int MaxStringValue = 256;

    // parse_pred()'s num_buf[24]: a number of this many characters or more is "Operand too long".
    internal const int MaxNumberLength = 24;

    // Bounds the tree on hostile input such as 10,000 '('; far beyond any real filter. The kernel has no such limit
    // but takes at most a page (4096 bytes) per write.
    private const int MaxDepth = 100;

    // The kernel's isspace() in the C locale.
    private static readonly char[] s_spaces = [' ', '\t', '\n', '\r', '\v', '\f'];

    /// <summary>Parses and compiles a filter for events of <paramref name="layout"/>.</summary>
    /// <returns>The filter (its <see cref="EventFilter.Text"/> is the normalised expression), or the error with the
    /// byte position the kernel gives it, ready for <see cref="ErrorLog.Add"/>. The error's command is
    /// <paramref name="text"/> without trailing white space, as the kernel strips it before parsing.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static ParseResult<EventFilter> Parse(string text, EventLayout layout)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(layout);

        // apply_event_filter() runs strstrip() in place: trailing white space goes, leading white space stays and counts.
        var command = text.TrimEnd(s_spaces);
        var parser = new Parser(command, layout);
        var root = parser.Run();
        return root is null
            ? new ParseResult<EventFilter>(parser.Error!)
            : new ParseResult<EventFilter>(new CompiledFilter(root, layout));
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\r' or '\v' or '\f';

    // The kernel's field names are isalnum() or '_' from the first character on.
    private static bool IsFieldChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

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
