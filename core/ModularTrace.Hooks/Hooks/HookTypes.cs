using System.Collections.Frozen;

namespace ModularTrace.Hooks;

/// <summary>The argument types a hook may carry, with their canonical (C#-keyword) names.</summary>
/// <remarks>
/// Hooks carry scalars and strings only, like the values a trace event can record. Richer types would make a
/// hook's prototype depend on a type's layout, which a CRC of names and type names cannot see.
/// </remarks>
public static class HookTypes
{
    private static readonly FrozenDictionary<Type, string> s_names = new Dictionary<Type, string>
    {
        [typeof(bool)] = "bool",
        [typeof(byte)] = "byte",
        [typeof(sbyte)] = "sbyte",
        [typeof(short)] = "short",
        [typeof(ushort)] = "ushort",
        [typeof(int)] = "int",
        [typeof(uint)] = "uint",
        [typeof(long)] = "long",
        [typeof(ulong)] = "ulong",
        [typeof(char)] = "char",
        [typeof(string)] = "string",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, Type> s_types =
        s_names.ToFrozenDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);

    /// <summary>Every supported argument type.</summary>
    public static IReadOnlyCollection<Type> Supported => s_names.Keys;

    /// <summary>Whether <paramref name="type"/> may be a hook argument.</summary>
    public static bool IsSupported(Type type) => s_names.ContainsKey(type);

    /// <summary>The canonical name of a supported type.</summary>
    /// <exception cref="ArgumentException">The type is not a supported hook argument type.</exception>
    public static string NameOf(Type type) => s_names.TryGetValue(type, out var name)
        ? name
        : throw new ArgumentException(
            $"Type '{type}' cannot be a hook argument; supported: {string.Join(", ", s_names.Values.Order(StringComparer.Ordinal))}.",
            nameof(type));

    /// <summary>The canonical name of <paramref name="type"/>, or false when it cannot be a hook argument.</summary>
    internal static bool TryNameOf(Type type, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? name)
        => s_names.TryGetValue(type, out name);

    /// <summary>Looks a canonical type name up (the inverse of <see cref="NameOf"/>).</summary>
    public static bool TryParse(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Type? type)
        => s_types.TryGetValue(name, out type);
}
