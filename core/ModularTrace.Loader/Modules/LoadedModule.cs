using System.Collections.Immutable;
using ModularTrace.Signing;

namespace ModularTrace.Modules;

/// <summary>A module in the host: what lsmod lists.</summary>
public sealed class LoadedModule
{
    private int _taints;
    private long _faults;

    internal LoadedModule(ModuleManifest manifest, string origin, int size, SignatureVerification signature, Taint taints, ModuleOwner owner)
    {
        Manifest = manifest;
        Origin = origin;
        Size = size;
        Signature = signature;
        _taints = (int)taints;
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

    /// <summary>
    /// The taints this module brought (lsmod's "(OE)"), and Q once one of its probes threw: the kernel's
    /// /proc/modules shows per-module flags the same way.
    /// </summary>
    public Taint Taints => (Taint)Volatile.Read(ref _taints);

    /// <summary>How many times a probe this module attached threw (each such probe was then detached).</summary>
    public long ProbeFaults => Interlocked.Read(ref _faults);

    /// <summary>The token its probes and events are owned by.</summary>
    public ModuleOwner Owner { get; }

    /// <summary>Services it exports, by type.</summary>
    public ImmutableDictionary<Type, object> Exports { get; internal set; } = ImmutableDictionary<Type, object>.Empty;

    /// <summary>Names of the modules whose exports it imports.</summary>
    public ImmutableArray<string> Uses { get; internal set; } = [];

    internal System.Runtime.Loader.AssemblyLoadContext? Context { get; set; }

    // Probe threads call this while lsmod reads: interlocked, and the taint is sticky like the host's.
    internal void CountProbeFault()
    {
        Interlocked.Increment(ref _faults);
        Interlocked.Or(ref _taints, (int)Taint.ProbeFault);
    }

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
