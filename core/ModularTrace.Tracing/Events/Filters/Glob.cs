namespace ModularTrace.Events.Filters;

/// <summary>
/// Glob matching over UTF-8 bytes as the kernel's <c>glob_match()</c> (lib/glob.c): <c>*</c> any run of bytes,
/// <c>?</c> one byte, <c>[abc]</c>, <c>[a-z]</c> and <c>[!a-z]</c> classes; a <c>[</c> with no closing <c>]</c> is literal;
/// no escapes. Iterative with one backtrack point, so it neither allocates nor recurses.
/// </summary>
internal static class Glob
{
    public static bool IsMatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text)
    {
        int p = 0, t = 0;
        int starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length)
            {
                var c = pattern[p];
                if (c == (byte)'*')
                {
                    // Remember where to retry: the star first matches nothing, then one more byte each retry.
                    starP = ++p;
                    starT = t;
                    continue;
                }

                if (c == (byte)'?')
                {
                    p++;
                    t++;
                    continue;
                }

                if (c == (byte)'[' && TryMatchClass(pattern, p, text[t], out var next, out var matched))
                {
                    if (matched)
                    {
                        p = next;
                        t++;
                        continue;
                    }
                }
                else if (c == text[t])
                {
                    p++;
                    t++;
                    continue;
                }
            }

            if (starP < 0)
            {
                return false;
            }

            p = starP;
            t = ++starT;
        }

        while (p < pattern.Length && pattern[p] == (byte)'*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>Matches one byte against the class opening at <paramref name="open"/>; false when the class is unterminated.</summary>
    private static bool TryMatchClass(ReadOnlySpan<byte> pattern, int open, byte value, out int next, out bool matched)
    {
        var i = open + 1;
        var negate = i < pattern.Length && pattern[i] == (byte)'!';
        if (negate)
        {
            i++;
        }

        var inside = false;
        var first = true;
        while (i < pattern.Length && (first || pattern[i] != (byte)']'))
        {
            // A ']' right after '[' or '[!' is a member, as in the kernel.
            first = false;
            byte low = pattern[i], high = low;
            if (i + 2 < pattern.Length && pattern[i + 1] == (byte)'-' && pattern[i + 2] != (byte)']')
            {
                high = pattern[i + 2];
                i += 2;
            }

            if (low <= value && value <= high)
            {
                inside = true;
            }

            i++;
        }

        if (i >= pattern.Length)
        {
            next = open;
            matched = false;
            return false;
        }

        next = i + 1;
        matched = inside != negate;
        return true;
    }
}
