using ModularTrace.Hooks;
using ModularTrace.Modules;

[assembly: TraceModule("test_throwing_probe", Version = "1.0.0", License = "MIT", Description = "Attaches a probe to sched_switch that throws when it runs",
    Entry = typeof(ModularTrace.Module.TestThrowingProbe.ThrowingProbeModule))]

namespace ModularTrace.Module.TestThrowingProbe;

/// <summary>A probe that throws on its first call: the host must count it, detach it and taint itself and the module Q.</summary>
public sealed class ThrowingProbeModule : ITraceModule
{
    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Attach(
            context.Hook<Hook<string, int, int, long, string, int, int>>("sched_switch"),
            (_, _, _, _, _, _, _) => throw new InvalidOperationException("probe failed on purpose"));
    }
}
