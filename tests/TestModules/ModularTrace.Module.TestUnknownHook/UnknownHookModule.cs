using ModularTrace.Modules;

[assembly: TraceModule("test_unknown_hook", Version = "1.0.0", License = "MIT", Description = "Uses a hook the host does not have",
    Entry = typeof(ModularTrace.Module.TestUnknownHook.UnknownHookModule))]
[assembly: ModuleHookVersion("sched_migrate_task", 0x12345678u)]

namespace ModularTrace.Module.TestUnknownHook;

/// <summary>Never initialised: the host has no sched_migrate_task hook.</summary>
public sealed class UnknownHookModule : ITraceModule
{
    /// <inheritdoc />
    public void Init(ModuleContext context) => throw new InvalidOperationException("must never run");
}
