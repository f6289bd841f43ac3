using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;

[assembly: TraceModule("test_throwing_init", Version = "1.0.0", License = "MIT", Description = "Attaches a probe, defines an event, then throws from Init",
    Entry = typeof(ModularTrace.Module.TestThrowingInit.ThrowingModule))]

namespace ModularTrace.Module.TestThrowingInit;

/// <summary>Leaves a probe and an event behind, then fails: the loader must undo both.</summary>
public sealed class ThrowingModule : ITraceModule
{
    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.DefineEvent("test", "half_made", new EventClass("half_made", new EventLayoutBuilder().Build(), "nothing"));
        context.Attach(context.Hook<Hook<string, int, int, long, string, int, int>>("sched_switch"), (_, _, _, _, _, _, _) => { });
        throw new InvalidOperationException("init failed on purpose");
    }
}
