using ModularTrace.Hooks;
using ModularTrace.Modules;

[assembly: TraceModule("test_host_internals", Version = "1.0.0", License = "MIT", Description = "Asks the host for its hook registry",
    Entry = typeof(ModularTrace.Module.TestHostInternals.HostInternalsModule))]

namespace ModularTrace.Module.TestHostInternals;

/// <summary>
/// An entry whose constructor asks for the host's registry, through which it could reach a hook it never declared
/// (so whose CRC was never checked): the loader must refuse it, saying what to use instead.
/// </summary>
public sealed class HostInternalsModule(HookRegistry registry) : ITraceModule
{
    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        registry.Get<Hook<int, int>>("irq_handler_exit").Attach((_, _) => { });
    }
}
