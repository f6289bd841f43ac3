using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace ModularTrace.Hooks;

/// <summary>
/// A host's symbol-version table, the analogue of the kernel's <c>Module.symvers</c>: one line per hook,
/// <c>0xCRC&lt;TAB&gt;name&lt;TAB&gt;prototype</c>, sorted by name (ordinal), LF line ends.
/// </summary>
public sealed class Symvers
{
    private Symvers(ImmutableSortedDictionary<string, SymversEntry> entries) => Entries = entries;

    /// <summary>The entries by hook name.</summary>
    public ImmutableSortedDictionary<string, SymversEntry> Entries { get; }

    /// <summary>Builds the table from hooks.</summary>
    public static Symvers FromHooks(IEnumerable<Hook> hooks)
    {
        ArgumentNullException.ThrowIfNull(hooks);
        return new Symvers(hooks.ToImmutableSortedDictionary(
            hook => hook.Name,
            hook => new SymversEntry(hook.Signature.Crc, hook.Name, hook.Signature.Prototype),
            StringComparer.Ordinal));
    }

    /// <summary>Parses the text form.</summary>
    /// <exception cref="FormatException">A line is malformed; the message names the line.</exception>
    public static Symvers Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = ImmutableSortedDictionary.CreateBuilder<string, SymversEntry>(StringComparer.Ordinal);
        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            var parts = line.Split('\t');
            if (parts.Length != 3 || !parts[0].StartsWith("0x", StringComparison.Ordinal)
                || !uint.TryParse(parts[0].AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var crc))
            {
                throw new FormatException($"symvers line {number}: expected '0xCRC<TAB>name<TAB>prototype', got '{line}'.");
            }

            if (!builder.TryAdd(parts[1], new SymversEntry(crc, parts[1], parts[2])))
            {
                throw new FormatException($"symvers line {number}: hook '{parts[1]}' appears twice.");
            }
        }

        return new Symvers(builder.ToImmutable());
    }

    /// <summary>The text form; byte-identical for the same hooks.</summary>
    public string Format()
    {
        var text = new StringBuilder();
        foreach (var entry in Entries.Values)
        {
            text.Append(HookSignature.FormatCrc(entry.Crc)).Append('\t').Append(entry.Name).Append('\t').Append(entry.Prototype).Append('\n');
        }

        return text.ToString();
    }
}

/// <summary>One symvers line.</summary>
/// <param name="Crc">CRC-32 of <paramref name="Prototype"/>.</param>
/// <param name="Name">The hook name.</param>
/// <param name="Prototype">The canonical prototype, <c>name(type arg, ...)</c>.</param>
public sealed record SymversEntry(uint Crc, string Name, string Prototype);
