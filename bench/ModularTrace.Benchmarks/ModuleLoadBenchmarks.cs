using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using McMaster.NETCore.Plugins;
using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;
using ModularTrace.SampleHost;

namespace ModularTrace.Benchmarks;

/// <summary>
/// Loading modules: ours (read, verify, version-check, load into a collectible context, init) against a plain
/// McMaster plugin load of the same file, a pack of 50, and a whole load/unload/collect cycle.
/// One invocation per iteration: the setup and cleanup around it (a fresh loader, the unload) are not measured.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(1)]
[IterationCount(15)]
[WarmupCount(3)]
public class ModuleLoadBenchmarks
{
    public const int PackSize = 50;

    private string _sched = null!;
    private string[] _pack = null!;
    private string _packDirectory = null!;
    private KernelHooks _hooks = null!;
    private TraceSession _session = null!;
    private ModuleLoader _loader = null!;
    private PluginLoader? _plugin;
    private ModuleContext? _pluginContext;

    [GlobalSetup]
    public void Setup()
    {
        _sched = BenchHost.SampleModule("Sched");
        _packDirectory = Path.Combine(Path.GetTempPath(), $"mtrace-bench-pack-{Environment.ProcessId}");
        _pack = GeneratedModules.Write(_packDirectory, PackSize, new KernelHooks(new HookRegistry()).Registry);
        NewHost();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        UnloadAll();
        Directory.Delete(_packDirectory, recursive: true);
    }

    [IterationSetup]
    public void IterationSetup() => NewHost();

    [IterationCleanup]
    public void IterationCleanup() => UnloadAll();

    [Benchmark]
    public ModuleLoadResult VerifyAndLoadModule() => Expect(_loader.Load(_sched));

    [Benchmark]
    public object UnverifiedPluginLoad()
    {
        // What users pay today without our guarantees: no signature, no vermagic or CRC check, no manifest.
        _plugin = PluginLoader.CreateFromAssemblyFile(_sched, isUnloadable: true,
            sharedTypes: [typeof(ITraceModule), typeof(HookRegistry), typeof(TraceSession), typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection)]);
        var assembly = _plugin.LoadDefaultAssembly();
        var entryType = assembly.GetCustomAttributes(typeof(TraceModuleAttribute), inherit: false).OfType<TraceModuleAttribute>().Single().Entry!;
        var entry = (ITraceModule)Activator.CreateInstance(entryType)!;
        var owner = new object();
        _pluginContext = new ModuleContext("sched", _hooks.Registry, _session, _hooks.Registry.Hooks.Select(h => h.Name), owner);
        entry.Init(_pluginContext);
        return entry;
    }

    [Benchmark]
    public int PackLoad50()
    {
        foreach (var path in _pack)
        {
            Expect(_loader.Load(path));
        }

        return _loader.Modules.Length;
    }

    [Benchmark]
    public bool LoadUnloadCycle()
    {
        var context = LoadAndUnload(_loader, _sched);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return context?.IsAlive ?? false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static WeakReference? LoadAndUnload(ModuleLoader loader, string path)
    {
        var result = Expect(loader.Load(path));
        var error = loader.Unload(result.Module!.Name, out var context);
        return error is null ? context : throw new InvalidOperationException(error);
    }

    private static ModuleLoadResult Expect(ModuleLoadResult result) =>
        result.Loaded ? result : throw new InvalidOperationException($"load refused: {result.Error}");

    private void NewHost() => (_hooks, _session, _loader) = BenchHost.NewLoader();

    private void UnloadAll()
    {
        foreach (var module in _loader.Modules.Reverse())
        {
            _loader.Unload(module.Name);
        }

        if (_plugin is not null)
        {
            if (_pluginContext is not null)
            {
                _hooks.Registry.DetachOwnedBy(_pluginContext.Owner);
                _session.RemoveOwnedBy(_pluginContext.Owner);
                _hooks.Registry.Synchronize();
            }

            _plugin.Dispose();
            _plugin = null;
            _pluginContext = null;
        }
    }
}
