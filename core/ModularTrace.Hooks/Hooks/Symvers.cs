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
    public static Symvers Parse(string text) => Parse(text, null);

    /// <summary>
    /// Parses the text form read from <paramref name="source"/> (a file name, for messages): errors then read
    /// <c>FILE:LINE: ...</c>, as a compiler names a place. Each line's CRC must be the CRC of its prototype, and the
    /// prototype must be the hook's: a hand-edited line would otherwise stamp modules with a CRC no host has.
    /// </summary>
    /// <exception cref="FormatException">A line is malformed; the message names the file and line.</exception>
    public static Symvers Parse(string text, string? source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = ImmutableSortedDictionary.CreateBuilder<string, SymversEntry>(StringComparer.Ordinal);
        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            var where = source is null ? $"symvers line {number}" : $"{source}:{number}";
            if (line.Length == 0)
            {
                continue;
            }

            var parts = line.Split('\t');
            if (parts.Length != 3 || !parts[0].StartsWith("0x", StringComparison.Ordinal)
                || !uint.TryParse(parts[0].AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var crc))
            {
                throw new FormatException($"{where}: expected '0xCRC<TAB>name<TAB>prototype', got '{Shown(line)}'.");
            }

            var (name, prototype) = (parts[1], parts[2]);
            if (!HookSignature.IsIdentifier(name))
            {
                throw new FormatException($"{where}: hook name '{Shown(name)}' is not an identifier ([A-Za-z_][A-Za-z0-9_]*, at most 64 characters).");
            }

            if (prototype.Any(c => char.IsControl(c) || c is '"' or '\\'))
            {
                throw new FormatException($"{where}: prototype '{Shown(prototype)}' holds a control character, quote or backslash.");
            }

            if (!prototype.StartsWith(name + "(", StringComparison.Ordinal) || !prototype.EndsWith(')'))
            {
                throw new FormatException($"{where}: prototype '{Shown(prototype)}' is not hook '{Shown(name)}' (expected '{Shown(name)}(type arg, ...)').");
            }

            if (HookSignature.ComputeCrc(prototype) != crc)
            {
                throw new FormatException($"{where}: CRC {parts[0]} is not the CRC of '{Shown(prototype)}' ({HookSignature.FormatCrc(HookSignature.ComputeCrc(prototype))}); the line was edited by hand.");
            }

            if (!builder.TryAdd(name, new SymversEntry(crc, name, prototype)))
            {
                throw new FormatException($"{where}: hook '{Shown(name)}' appears twice.");
            }
        }

        return new Symvers(builder.ToImmutable());
    }

    /// <summary>Reads a <c>Module.symvers</c> file; errors name <paramref name="path"/> and the line.</summary>
    /// <exception cref="FormatException">A line is malformed.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static Symvers Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllText(path), path);
    }

    // Lines reach terminals: control characters are shown escaped, and a long line is cut.
    private static string Shown(string text)
    {
        var shown = new StringBuilder(Math.Min(text.Length, 120));
        foreach (var c in text.Length > 120 ? text[..120] : text)
        {
            _ = char.IsControl(c) ? shown.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}") : shown.Append(c);
        }

        return text.Length > 120 ? shown.Append("...").ToString() : shown.ToString();
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
