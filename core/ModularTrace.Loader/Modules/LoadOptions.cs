namespace ModularTrace.Modules;

/// <summary>Per-load switches (modprobe's <c>--force-vermagic</c> and <c>--force-modversion</c>).</summary>
public sealed record LoadOptions
{
    /// <summary>Load despite a vermagic mismatch: taints F and drops the signature's trust.</summary>
    public bool ForceVermagic { get; init; }

    /// <summary>Load despite hook CRC mismatches: taints F and drops the signature's trust.</summary>
    public bool ForceModversion { get; init; }

    /// <summary>How the verified bytes are brought into the process; <see cref="ModuleLoadMode.Strict"/> by default.</summary>
    public ModuleLoadMode Mode { get; init; } = ModuleLoadMode.Strict;

    /// <summary>Whether any forcing was asked for.</summary>
    public bool IsForced => ForceVermagic || ForceModversion;

    /// <summary>The names <c>--loader</c> and the socket's <c>insmod</c> take: <c>strict</c> and <c>plugin</c>.</summary>
    public static IReadOnlyList<string> ModeNames { get; } = ["strict", "plugin"];

    /// <summary>Parses a mode name (null means the default, strict); false for any other text.</summary>
    public static bool TryParseMode(string? name, out ModuleLoadMode mode)
    {
        mode = name switch
        {
            null or "strict" => ModuleLoadMode.Strict,
            "plugin" => ModuleLoadMode.Plugin,
            _ => (ModuleLoadMode)(-1),
        };
        return mode >= ModuleLoadMode.Strict;
    }
}

/// <summary>How a module's verified bytes become an assembly in a collectible context.</summary>
public enum ModuleLoadMode
{
    /// <summary>
    /// The strict path: the verified buffer goes straight to <c>AssemblyLoadContext.LoadFromStream</c>; nothing is read
    /// from disk after verification. Exports and imports between modules work.
    /// </summary>
    Strict,

    /// <summary>
    /// For modules that carry private dependencies (their own copies of libraries, resolved beside them):
    /// McMaster.NETCore.Plugins manages the context and shared-type unification: the verified bytes (module and
    /// verified dependencies) are written to a private 0700 directory the host creates, and PluginLoader loads them
    /// from there into memory. No deps.json is copied, so nothing unverified is resolved. Modules that import
    /// another module's exports need the strict path.
    /// </summary>
    Plugin,
}
