using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Signing;

namespace ModularTrace.Modules;

/// <summary>
/// Loads and unloads modules: read the file once → verify its signature against the keyrings → decide by policy →
/// check vermagic and per-hook CRCs → load those same bytes into a collectible context → create the entry through
/// DI and run <see cref="ITraceModule.Init"/>. No module code runs before every check has passed.
/// </summary>
/// <remarks>Loads and unloads are serialised (the kernel's module_mutex); hooks keep firing meanwhile.</remarks>
public sealed partial class ModuleLoader
{
    private static readonly FrozenSet<string> s_hostAssemblies = HostAssemblyNames();

    private readonly Lock _gate = new();
    private readonly HookRegistry _hooks;
    private readonly TraceSession _session;
    private const int LogLines = 1000;
    private readonly Queue<string> _log = new();
    private ImmutableArray<LoadedModule> _modules = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Owner, string Hook), long> _faults = new();
    // Rollback defence (TUF's rollback attack): the highest version of each module loaded in this host's lifetime.
    private readonly Dictionary<string, Version> _highestVersions = new(StringComparer.Ordinal);
    private bool _warnedUnsigned;

    /// <summary>Creates a loader for a host.</summary>
    public ModuleLoader(HookRegistry hooks, TraceSession session, Keyrings keyrings, Policy policy, TaintSet? taints = null)
    {
        ArgumentNullException.ThrowIfNull(hooks);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(keyrings);
        _hooks = hooks;
        _session = session;
        Keyrings = keyrings;
        Policy = policy;
        Taints = taints ?? new TaintSet();
        if (policy == Policy.Lockdown)
        {
            keyrings.Lock();
        }

        _hooks.ProbeFaulted += (_, fault) => OnProbeFault(fault);
    }

    /// <summary>The host's hooks modules attach to (its symvers: <see cref="HookRegistry.ToSymvers"/>).</summary>
    public HookRegistry Hooks => _hooks;

    /// <summary>The keyrings signatures are checked against.</summary>
    public Keyrings Keyrings { get; }

    /// <summary>The signature policy; see <see cref="Tighten"/>.</summary>
    public Policy Policy { get; private set; }

    /// <summary>The host's sticky taints.</summary>
    public TaintSet Taints { get; }

    /// <summary>The vermagic modules must carry; the host's own unless a profile sets another.</summary>
    public string HostVermagic { get; init; } = VerMagic.Host;

    /// <summary>Loaded modules in load order.</summary>
    public ImmutableArray<LoadedModule> Modules => _modules;

    /// <summary>Probe faults so far by owner (a module name, or <c>host</c>) and hook, modules unloaded since included.</summary>
    public IReadOnlyList<ProbeFaultCount> ProbeFaults =>
        [.. _faults.Select(f => new ProbeFaultCount(f.Key.Owner, f.Key.Hook, f.Value)).OrderBy(f => f.Owner, StringComparer.Ordinal).ThenBy(f => f.Hook, StringComparer.Ordinal)];

    /// <summary>The loader's log (dmesg): taint warnings, refusals, probe faults; the last 1000 lines.</summary>
    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_log)
            {
                return [.. _log];
            }
        }
    }

    /// <summary>Test seam: runs after the signature check, with the origin path (a test swaps the file's bytes here).</summary>
    internal Action<string>? AfterVerification { get; set; }

    /// <summary>Raised for each log line.</summary>
    public event EventHandler<string>? Logged;

    /// <summary>
    /// Tightens the policy: permissive → enforce → lockdown. Loosening is refused, as <c>module.sig_enforce</c> can be
    /// switched on at run time but never off.
    /// </summary>
    /// <returns>Null when applied, else why not.</returns>
    public string? Tighten(Policy policy)
    {
        lock (_gate)
        {
            if (Rank(policy) < Rank(Policy))
            {
                return $"policy {Policy.ToString().ToLowerInvariant()} cannot be relaxed to {policy.ToString().ToLowerInvariant()}";
            }

            Policy = policy;
            if (policy == Policy.Lockdown)
            {
                Keyrings.Lock();
            }

            return null;
        }

        static int Rank(Policy p) => p switch { Policy.Permissive => 0, Policy.Enforce => 1, _ => 2 };
    }

    /// <summary>Loads a module file: its bytes are read once and only those bytes are verified and run.</summary>
    public ModuleLoadResult Load(string path, LoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        // Verify the same bytes we load; opening the file twice would let them change in between.
        var bytes = ModuleFile.TryRead(path, out var error);
        return bytes is null
            ? ModuleLoadResult.Refused($"{path}: {error}", "give the path of a module file: the .dll a module build wrote and signed", [])
            : Load(bytes, path, options);
    }

    /// <summary>Loads a module from bytes already read; <paramref name="origin"/> is its path (dependencies are looked for beside it).</summary>
    public ModuleLoadResult Load(byte[] file, string origin, LoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(origin);
        options ??= new LoadOptions();
        lock (_gate)
        {
            var attempt = new LoadAttempt(this, file, origin, options);
            var result = attempt.Run();
            foreach (var message in result.Messages)
            {
                Write(message);
            }

            if (result.Error is { } error)
            {
                Write(error);
            }

            return result;
        }
    }

    /// <summary>Unloads a module: detach its probes, remove its events, wait for in-flight probes, dispose its services, release its context.</summary>
    /// <returns>Null when unloaded, else why not (not loaded, or in use by importers).</returns>
    public string? Unload(string name) => Unload(name, out _);

    /// <summary>Unloads a module and hands back a weak reference to its load context, to prove it is collected.</summary>
    public string? Unload(string name, out WeakReference? context)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            context = null;
            var module = _modules.FirstOrDefault(m => m.Name == name);
            if (module is null)
            {
                return $"{name}: module not loaded (ENOENT)";
            }

            var users = _modules.Where(m => m.Uses.Contains(name)).Select(m => m.Name).ToArray();
            if (users.Length > 0)
            {
                return $"{name}: module is in use by: {string.Join(", ", users)}";
            }

            context = TearDown(module);
            _modules = _modules.Remove(module);
            Write($"{name}: unloaded");
            return null;
        }
    }

    /// <summary>
    /// Unloads a module, then collects until its load context is gone or <paramref name="timeout"/> has passed.
    /// A context that survives is leaked: something still holds a reference into the module's code.
    /// </summary>
    /// <returns>Null when unloaded and collected; else why not (not loaded, in use, or leaked).</returns>
    public string? UnloadAndWait(string name, TimeSpan timeout)
    {
        var refusal = Unload(name, out var context);
        if (refusal is not null)
        {
            return refusal;
        }

        var leak = CheckUnloaded(name, context, timeout);
        if (leak is not null)
        {
            Write(leak);
        }

        return leak;
    }

    /// <summary>
    /// Collects until <paramref name="context"/> (from <see cref="Unload(string, out WeakReference?)"/>) dies, at least
    /// <see cref="MinimumCollections"/> times and until <paramref name="timeout"/> has passed.
    /// </summary>
    /// <returns>Null when the context was collected, else the leak report naming <paramref name="name"/>.</returns>
    public static string? CheckUnloaded(string name, WeakReference? context, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (context is null)
        {
            return null;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var collections = 0;
        // The runtime's unloadability guide: unloading completes over several collections (finalizers release
        // the last references), so one GC is not enough to call it a leak.
        while (context.IsAlive && (collections < MinimumCollections || clock.Elapsed < timeout))
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            collections++;
        }

        return context.IsAlive
            ? $"{name}: module unloaded but its load context is still alive after {collections} garbage collections: something holds a reference to the module's code (static field, event handler, thread, timer); its memory stays until the process exits (leaked)"
            : null;
    }

    /// <summary>The fewest collections <see cref="CheckUnloaded"/> runs before reporting a leak.</summary>
    public const int MinimumCollections = 10;

    private static bool IsFrom(Delegate probe, System.Runtime.Loader.AssemblyLoadContext context) =>
        System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(probe.Method.Module.Assembly) == context
        || (probe.Target is { } target && System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(target.GetType().Assembly) == context);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private WeakReference? TearDown(LoadedModule module)
    {
        // Every probe the module attached: through its context or with no owner while its code ran (ProbeOwner), and
        // any other probe whose code is the module's (a probe it attached from a thread of its own).
        var context = module.Context;
        _hooks.DetachWhere((probe, owner) => ReferenceEquals(owner, module.Owner) || (context is not null && IsFrom(probe, context)));
        _session.RemoveOwnedBy(module.Owner);
        // Kernel: tracepoint_synchronize_unregister() before the module's memory goes away.
        _hooks.Synchronize();
        try
        {
            (module.Entry as IDisposable)?.Dispose();
            module.Services?.Dispose();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Taints.Add(Taint.Warning);
            Write($"{module.Name}: disposing the module threw {ex.GetType().Name}: {ex.Message}");
        }

        module.Entry = null;
        module.Services = null;
        module.Exports = ImmutableDictionary<Type, object>.Empty;
        var alc = module.Context;
        module.Context = null;
        if (module.Plugin is { } plugin)
        {
            module.Plugin = null;
            plugin.Dispose(); // unloads McMaster's collectible context
        }
        else
        {
            alc?.Unload();
        }

        if (module.PrivateDirectory is { } directory)
        {
            module.PrivateDirectory = null;
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Write($"{module.Name}: could not remove its private copy {directory}: {ex.Message}");
            }
        }

        return alc is null ? null : new WeakReference(alc);
    }

    private void OnProbeFault(ProbeFault fault)
    {
        var owner = fault.Owner is ModuleOwner m ? m.Name : "host";
        // Counted per module (lsmod) and per module and hook (stat); kept after rmmod, as the host's taint is.
        _modules.FirstOrDefault(loaded => Equals(loaded.Owner, fault.Owner))?.CountProbeFault();
        _faults.AddOrUpdate((owner, fault.Hook.Name), 1, (_, count) => count + 1);
        Taints.Add(Taint.ProbeFault);
        Write($"{owner}: probe on hook {fault.Hook.Name} threw {fault.Exception.GetType().Name}: {fault.Exception.Message}; probe detached, host tainted Q");
    }

    private void Write(string line)
    {
        // Paths and names from requests and files reach these lines: one line each, no control characters.
        line = Text.DisplayText.Printable(line, max: 2048);
        lock (_log)
        {
            _log.Enqueue(line);
            if (_log.Count > LogLines)
            {
                _log.Dequeue();
            }
        }

        Logged?.Invoke(this, line);
    }

    private Assembly? ExporterAssembly(string assemblyName) =>
        _modules.FirstOrDefault(m => m.Manifest.AssemblyName == assemblyName)?.Entry?.GetType().Assembly;

    private static FrozenSet<string> HostAssemblyNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string tpa)
        {
            foreach (var path in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                names.Add(Path.GetFileNameWithoutExtension(path));
            }
        }

        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly.GetName().Name is { } name)
            {
                names.Add(name);
            }
        }

        names.Add(typeof(ModuleLoader).Assembly.GetName().Name!);
        names.Add(typeof(IServiceCollection).Assembly.GetName().Name!);
        return names.ToFrozenSet(StringComparer.Ordinal);
    }
}
