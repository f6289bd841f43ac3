using ModularTrace.Hooks;
using ModularTrace.Modules;

[assembly: TraceModule("test_keeps_alive", Version = "1.0.0", License = "MIT",
    Description = "Hands the host a delegate to its own code and never takes it back, so its load context cannot be collected",
    Entry = typeof(ModularTrace.Module.TestKeepsAlive.KeepsAliveModule))]

namespace ModularTrace.Module.TestKeepsAlive;

/// <summary>
/// A module that leaks itself: it subscribes an instance method to <see cref="AppDomain.ProcessExit"/>, a static event
/// of the host's runtime, and never unsubscribes. The delegate roots this instance, whose type roots the module's
/// load context, so unload can detach its probes but never free its code.
/// </summary>
public sealed class KeepsAliveModule : ITraceModule
{
    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Attach(context.Hook<Hook<int, ulong, long, long>>("vfs_read"), (_, _, _, _) => { });
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>How often the process told this module it exits (at most once).</summary>
    public int ExitsSeen { get; private set; }

    private void OnProcessExit(object? sender, EventArgs e) => ExitsSeen++;
}
