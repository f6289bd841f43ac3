using ModularTrace.Hooks;
using ModularTrace.Modules;

[assembly: TraceModule("test_direct_attach", Version = "1.0.0", License = "MIT", Description = "Attaches probes straight on a hook, bypassing ModuleContext.Attach",
    Entry = typeof(ModularTrace.Module.TestDirectAttach.DirectAttachModule))]

namespace ModularTrace.Module.TestDirectAttach;

/// <summary>
/// Attaches two probes without an owner: one from Init, one from a thread-pool item that does not inherit Init's
/// execution context. Unload must detach both, or they would keep firing into unloaded code.
/// </summary>
public sealed class DirectAttachModule : ITraceModule
{
    private static long s_calls;

    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var hook = context.Hook<Hook<string, int, int, long, string, int, int>>("sched_switch");
        hook.Attach((_, _, _, _, _, _, _) => Interlocked.Increment(ref s_calls));

        using var attached = new ManualResetEventSlim();
        ThreadPool.UnsafeQueueUserWorkItem(
            _ =>
            {
                hook.Attach((_, _, _, _, _, pid, _) => Interlocked.Add(ref s_calls, pid & 1));
                attached.Set();
            },
            null);
        attached.Wait();
    }
}
