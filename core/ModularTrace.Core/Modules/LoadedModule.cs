using System.Collections.Immutable;
using ModularTrace.Signing;

namespace ModularTrace.Modules;

/// <summary>A module in the host: what lsmod lists.</summary>
public sealed class LoadedModule
{
    internal LoadedModule(ModuleManifest manifest, string origin, int size, SignatureVerification signature, Taint taints, ModuleOwner owner)
    {
        Manifest = manifest;
        Origin = origin;
        Size = size;
        Signature = signature;
        Taints = taints;
        Owner = owner;
    }

    /// <summary>The module name.</summary>
    public string Name => Manifest.Name;

    /// <summary>Its modinfo.</summary>
    public ModuleManifest Manifest { get; }

    /// <summary>Where it was loaded from.</summary>
    public string Origin { get; }

    /// <summary>Bytes of the module image (signature excluded).</summary>
    public int Size { get; }

    /// <summary>The signature check's outcome (signer, key id, hash; or why it was tolerated).</summary>
    public SignatureVerification Signature { get; }

    /// <summary>The taints this module brought (lsmod's "(OE)").</summary>
    public Taint Taints { get; }

    /// <summary>The token its probes and events are owned by.</summary>
    public ModuleOwner Owner { get; }

    /// <summary>Services it exports, by type.</summary>
    public ImmutableDictionary<Type, object> Exports { get; internal set; } = ImmutableDictionary<Type, object>.Empty;

    /// <summary>Names of the modules whose exports it imports.</summary>
    public ImmutableArray<string> Uses { get; internal set; } = [];

    internal System.Runtime.Loader.AssemblyLoadContext? Context { get; set; }

    internal McMaster.NETCore.Plugins.PluginLoader? Plugin { get; set; }

    internal string? PrivateDirectory { get; set; }

    internal ITraceModule? Entry { get; set; }

    internal IDisposable? Services { get; set; }
}

/// <summary>The owner token of a module's probes and events; holds no reference to module code.</summary>
/// <param name="Name">The module name.</param>
public sealed record ModuleOwner(string Name)
{
    /// <inheritdoc />
    public override string ToString() => Name;
}
