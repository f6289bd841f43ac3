namespace ModularTrace.Signing;

/// <summary>Walks the PEM blocks of a text, in order.</summary>
internal static class Pem
{
    public static IEnumerable<(string Label, byte[] Der)> Blocks(string text)
    {
        var offset = 0;
        while (offset < text.Length && System.Security.Cryptography.PemEncoding.TryFind(text.AsSpan(offset), out var fields))
        {
            var label = text.AsSpan(offset)[fields.Label].ToString();
            var der = Convert.FromBase64String(text.AsSpan(offset)[fields.Base64Data].ToString());
            offset += fields.Location.End.Value;
            yield return (label, der);
        }
    }
}
