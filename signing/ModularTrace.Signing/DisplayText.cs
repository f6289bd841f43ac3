namespace ModularTrace.Text;

/// <summary>
/// Outside text (a signer's name from an untrusted file, a client's request, a module's metadata) made safe to echo into
/// a one-line message. Lives here, the lowest assembly, so the verifier and Core share it.
/// </summary>
internal static class DisplayText
{
    /// <summary>
    /// Control characters (C0, DEL, C1), Unicode format characters (bidirectional overrides, zero-width joiners) and line
    /// and paragraph separators shown as '?', text longer than <paramref name="max"/> characters cut with "...".
    /// </summary>
    public static string Printable(string text, int max = 80)
    {
        var cut = text.Length > max ? text[..max] + "..." : text;
        return string.Create(cut.Length, cut, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = IsUnsafe(source[i]) ? '?' : source[i];
            }
        });
    }

    /// <summary>Whether <paramref name="c"/> could end a line, move the cursor, start an escape sequence or reorder text.</summary>
    public static bool IsUnsafe(char c) => char.IsControl(c) || (c > 0x7F && System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c)
        is System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator);
}
