using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using ModularTrace.Events;
using ModularTrace.Modules;
using ModularTrace.SampleHost;
using ModularTrace.Signing;

namespace ModularTrace.Integration.Tests.Modules;

/// <summary>A fresh sample host with a loader trusting the development key.</summary>
internal sealed class LoaderFixture
{
    public LoaderFixture(Policy policy = Policy.Enforce)
    {
        Hooks = new KernelHooks(new Hooks.HookRegistry());
        Session = new TraceSession();
        Keyrings = new Keyrings([CertificateFile.Load(RepoFiles.DevCertificate)]);
        Loader = new ModuleLoader(Hooks.Registry, Session, Keyrings, policy);
    }

    public KernelHooks Hooks { get; }

    public TraceSession Session { get; }

    public Keyrings Keyrings { get; }

    public ModuleLoader Loader { get; }

    public int AttachedProbes => Hooks.Registry.Hooks.Sum(h => h.ProbeCount);

    public static byte[] Bytes(string path) => File.ReadAllBytes(path);

    /// <summary>Collects until the weak reference dies (at most 10 rounds, as the runtime's unloadability docs do).</summary>
    public static bool Collected(WeakReference? reference)
    {
        for (var i = 0; reference is not null && reference.IsAlive && i < 10; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        return reference is { IsAlive: false };
    }

    public static int LiveModuleContexts(string module)
    {
        for (var i = 0; i < 10; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        return AssemblyLoadContext.All.Count(c => c.Name == "mtrace-module:" + module);
    }

    /// <summary>Loads, uses and unloads in a frame of its own, so no local keeps the context alive.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public WeakReference? LoadUseUnload(string path, Action? use = null)
    {
        var result = Loader.Load(path);
        Assert.True(result.Loaded, result.Error);
        use?.Invoke();
        Assert.Null(Loader.Unload(result.Module!.Name, out var context));
        return context;
    }
}
