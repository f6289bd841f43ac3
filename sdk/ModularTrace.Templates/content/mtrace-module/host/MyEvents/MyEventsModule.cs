using ModularTrace.Modules;

[assembly: TraceModule("mtrace_module_name", Version = "0.1.0", License = "MIT", Author = "MyEvents authors",
    Description = "One event per host hook in <ModuleHook>, recording every argument",
    Entry = typeof(MyEvents.MyEventsModule))]

namespace MyEvents;

/// <summary>Defines the events <c>mtrace_module_name:HOOK</c>, one per hook in the project's <c>&lt;ModuleHook&gt;</c> items.</summary>
public sealed class MyEventsModule : ITraceModule
{
    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        // ModuleHooks is written by modpost from the host's Module.symvers (obj/.../ModuleVersions.g.cs): for each hook,
        // ModuleHooks.NAME(context) typed from its prototype, and Record_NAME, an event with one field per argument
        // recorded each time the hook fires. To write an event of your own, attach as Record_NAME does:
        // context.Record(ModuleHooks.NAME(context), ev, ..., (ref record, ...) => record.Set(field, value)).
        ModuleHooks.RecordAll(context, "mtrace_module_name");
    }
}
