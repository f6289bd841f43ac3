using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace ModularTrace.Hooks;

/// <summary>
/// A hook's name and full argument list, with its canonical prototype text and the CRC of that text:
/// the analogue of the CRC genksyms computes for an exported kernel symbol.
/// </summary>
/// <remarks>
/// The prototype is <c>name(type arg, type arg)</c>, with canonical type names, one space after each comma, and
/// <c>name()</c> for a hook without arguments. The CRC is CRC-32 (IEEE 802.3, as zlib computes it) of the
/// prototype's UTF-8 bytes, so any change of name, argument name, type or order changes it.
/// </remarks>
public sealed class HookSignature : IEquatable<HookSignature>
{
    /// <summary>Creates a signature after validating names and types.</summary>
    /// <exception cref="ArgumentException">A name is not an identifier, is duplicated, or a type is unsupported.</exception>
    public HookSignature(string name, IEnumerable<HookArgument> arguments)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(arguments);
        if (!IsIdentifier(name))
        {
            throw new ArgumentException($"Hook name '{name}' is not an identifier ([A-Za-z_][A-Za-z0-9_]*, at most 64 characters).", nameof(name));
        }

        var args = arguments.ToImmutableArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var arg in args)
        {
            if (!IsIdentifier(arg.Name))
            {
                throw new ArgumentException($"Hook '{name}': argument name '{arg.Name}' is not an identifier.", nameof(arguments));
            }

            if (!seen.Add(arg.Name))
            {
                throw new ArgumentException($"Hook '{name}': argument name '{arg.Name}' appears twice.", nameof(arguments));
            }

            _ = HookTypes.NameOf(arg.Type);
        }

        Name = name;
        Arguments = args;
    }

    /// <summary>The constructor's checks on a hook's parts without building the signature (a hook makes it on first use).</summary>
    /// <exception cref="ArgumentException">A name is not an identifier, is duplicated, or a type is unsupported.</exception>
    internal static void Validate(string name, ReadOnlySpan<Type> types, ReadOnlySpan<string> argumentNames)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsIdentifier(name))
        {
            throw new ArgumentException($"Hook name '{name}' is not an identifier ([A-Za-z_][A-Za-z0-9_]*, at most 64 characters).", nameof(name));
        }

        for (var i = 0; i < argumentNames.Length; i++)
        {
            var arg = argumentNames[i];
            if (!IsIdentifier(arg))
            {
                throw new ArgumentException($"Hook '{name}': argument name '{arg}' is not an identifier.", nameof(argumentNames));
            }

            // At most 8 arguments: pairwise is cheaper than a set.
            for (var j = 0; j < i; j++)
            {
                if (string.Equals(argumentNames[j], arg, StringComparison.Ordinal))
                {
                    throw new ArgumentException($"Hook '{name}': argument name '{arg}' appears twice.", nameof(argumentNames));
                }
            }

            _ = HookTypes.NameOf(types[i]);
        }
    }

    // Made on first use (symvers, modpost, a module load): a hook nobody looks at does not carry its prototype text.
    private string? _prototype;
    private long _crc = -1;

    /// <summary>The hook name.</summary>
    public string Name { get; }

    /// <summary>The arguments in declaration order.</summary>
    public ImmutableArray<HookArgument> Arguments { get; }

    /// <summary>The canonical prototype text, <c>name(type arg, ...)</c>; the CRC's input.</summary>
    public string Prototype
    {
        get
        {
            var prototype = Volatile.Read(ref _prototype);
            if (prototype is null)
            {
                // Racing threads compute the same text; either copy may win.
                prototype = FormatPrototype(Name, Arguments);
                Volatile.Write(ref _prototype, prototype);
            }

            return prototype;
        }
    }

    /// <summary>CRC-32 of <see cref="Prototype"/>.</summary>
    public uint Crc
    {
        get
        {
            var crc = Volatile.Read(ref _crc);
            if (crc < 0)
            {
                crc = ComputeCrc(Prototype);
                Volatile.Write(ref _crc, crc);
            }

            return (uint)crc;
        }
    }

    /// <summary>The CRC as symvers prints it: <c>0x</c> and eight lower-case hex digits.</summary>
    public string CrcText => FormatCrc(Crc);

    /// <summary>Formats a CRC as symvers prints it.</summary>
    public static string FormatCrc(uint crc) => "0x" + crc.ToString("x8", CultureInfo.InvariantCulture);

    /// <summary>CRC-32 (IEEE 802.3, the one zlib and System.IO.Hashing.Crc32 compute) of a prototype's UTF-8 bytes.</summary>
    /// <remarks>
    /// Computed here, bit by bit on a 256-entry table, so that the hooks package needs nothing beyond the BCL; once
    /// per hook, on first use. A test checks it against System.IO.Hashing on random inputs.
    /// </remarks>
    public static uint ComputeCrc(string prototype)
    {
        ArgumentNullException.ThrowIfNull(prototype);
        var table = s_crcTable ??= CrcTable();
        var crc = 0xFFFF_FFFFu;
        foreach (var b in Encoding.UTF8.GetBytes(prototype))
        {
            crc = table[(byte)(crc ^ b)] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[]? s_crcTable;

    private static uint[] CrcTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB8_8320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }

    /// <summary>
    /// Parses a canonical prototype, <c>name(type arg, ...)</c> as <see cref="Prototype"/> writes it (a symvers line's
    /// third column), back into a signature: what a host's hooks are to a module built where the host is not at hand.
    /// </summary>
    /// <exception cref="FormatException">The text is not a canonical prototype, or names a type a hook cannot carry.</exception>
    public static HookSignature Parse(string prototype)
    {
        ArgumentNullException.ThrowIfNull(prototype);
        var open = prototype.IndexOf('(', StringComparison.Ordinal);
        if (open <= 0 || !prototype.EndsWith(')'))
        {
            throw new FormatException($"Prototype '{prototype}' is not 'name(type arg, ...)'.");
        }

        var name = prototype[..open];
        var list = prototype[(open + 1)..^1];
        var arguments = new List<HookArgument>();
        foreach (var part in list.Length == 0 ? [] : list.Split(", "))
        {
            var words = part.Split(' ');
            if (words.Length != 2)
            {
                throw new FormatException($"Prototype '{prototype}': argument '{part}' is not 'type name'.");
            }

            if (!HookTypes.TryParse(words[0], out var type))
            {
                throw new FormatException(
                    $"Prototype '{prototype}': type '{words[0]}' cannot be a hook argument; supported: {string.Join(", ", HookTypes.Supported.Select(HookTypes.NameOf).Order(StringComparer.Ordinal))}.");
            }

            arguments.Add(new HookArgument(words[1], type));
        }

        if (arguments.Count > Hook.MaxArguments)
        {
            throw new FormatException($"Prototype '{prototype}' has {arguments.Count} arguments; a hook has at most {Hook.MaxArguments}.");
        }

        HookSignature signature;
        try
        {
            signature = new HookSignature(name, arguments);
        }
        catch (ArgumentException ex)
        {
            throw new FormatException($"Prototype '{prototype}': {ex.Message}", ex);
        }

        // Only the canonical spelling round-trips: another spelling would hash to another CRC than the host's.
        return signature.Prototype == prototype
            ? signature
            : throw new FormatException($"Prototype '{prototype}' is not canonical (expected '{signature.Prototype}').");
    }

    /// <summary>Whether <paramref name="text"/> is a valid hook or argument name.</summary>
    public static bool IsIdentifier(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 64 || char.IsAsciiDigit(text[0]))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    private static string FormatPrototype(string name, ImmutableArray<HookArgument> args)
    {
        var text = new StringBuilder(name).Append('(');
        for (var i = 0; i < args.Length; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }

            text.Append(args[i].TypeName).Append(' ').Append(args[i].Name);
        }

        return text.Append(')').ToString();
    }

    /// <inheritdoc />
    public bool Equals(HookSignature? other) => other is not null && Prototype == other.Prototype;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as HookSignature);

    /// <inheritdoc />
    public override int GetHashCode() => Prototype.GetHashCode(StringComparison.Ordinal);

    /// <inheritdoc />
    public override string ToString() => Prototype;
}
