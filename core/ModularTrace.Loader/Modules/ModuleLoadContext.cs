using System.Collections.Frozen;
using System.Reflection;
using System.Runtime.Loader;

namespace ModularTrace.Modules;

/// <summary>
/// A module's collectible load context. It loads only bytes the loader verified (the module and its signed
/// dependencies, from memory) and resolves everything else to the host: ModularTrace.Core and the DI abstractions
/// unify with the host's copies, so <c>Hook&lt;T&gt;</c> means the host's type; another module's assembly resolves
/// to that module's loaded copy (its exports).
/// </summary>
internal sealed class ModuleLoadContext : AssemblyLoadContext
{
    private readonly FrozenDictionary<string, byte[]> _dependencies;
    private readonly Func<string, Assembly?> _exporters;

    public ModuleLoadContext(string name, IReadOnlyDictionary<string, byte[]> verifiedDependencies, Func<string, Assembly?> exporters)
        : base("mtrace-module:" + name, isCollectible: true)
    {
        _dependencies = verifiedDependencies.ToFrozenDictionary(StringComparer.Ordinal);
        _exporters = exporters;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var name = assemblyName.Name ?? "";
        if (_dependencies.TryGetValue(name, out var bytes))
        {
            using var stream = new MemoryStream(bytes, writable: false);
            return LoadFromStream(stream);
        }

        // null: the default context resolves it (host and framework assemblies), which shares their types.
        return _exporters(name);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
        throw new DllNotFoundException($"{Name}: modules may not load native libraries ('{unmanagedDllName}'): they are never unloaded and never verified.");
}
