namespace ModularTrace.Text;

/// <summary>
/// Outside text (a signer's name from an untrusted file, a client's request, a module's metadata) made safe to echo into
/// a one-line message. Lives here, the lowest assembly, so the verifier and Core share it.
/// </summary>
internal static class DisplayText
{
    /// <summary>Control characters shown as '?', text longer than <paramref name="max"/> characters cut with "...".</summary>
    public static string Printable(string text, int max = 80)
    {
        var cut = text.Length > max ? text[..max] + "..." : text;
        return string.Create(cut.Length, cut, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });
    }
}
