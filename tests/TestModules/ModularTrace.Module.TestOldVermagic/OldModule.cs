using ModularTrace.Modules;

[assembly: TraceModule("test_old_vermagic", Version = "1.0.0", License = "MIT", Description = "Built for another host version",
    Entry = typeof(ModularTrace.Module.TestOldVermagic.OldModule))]

namespace ModularTrace.Module.TestOldVermagic;

/// <summary>Loads only when forced.</summary>
public sealed class OldModule : ITraceModule
{
    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
    }
}
