using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;

[assembly: TraceModule("mtrace_module_name", Version = "0.1.0", License = "MIT", Author = "MyEvents authors",
    Description = "One event per interrupt handler entry: irq number and handler name",
    Entry = typeof(MyEvents.MyEventsModule))]

namespace MyEvents;

/// <summary>Defines the event <c>mtrace_module_name:irq_entry</c> and writes it from the host's <c>irq_handler_entry</c> hook.</summary>
public sealed class MyEventsModule : ITraceModule
{
    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var layout = new EventLayoutBuilder();
        var irq = layout.S32("irq");
        var handler = layout.DynamicString("handler");
        var entry = context.DefineEvent("mtrace_module_name", "irq_entry", new EventClass("irq_entry", layout.Build(), "irq={irq} handler={handler}"));

        // The probe runs on the traced code's path: reserve, set, commit; nothing else (no allocation, no formatting).
        context.Attach(context.Hook<Hook<int, string>>("irq_handler_entry"), (number, name) =>
        {
            var record = entry.Reserve(TraceEvent.SizeOf(name));
            if (!record.IsReserved)
            {
                return; // event disabled, filtered out, or the buffer is full
            }

            record.Set(irq, number);
            record.Set(handler, name);
            record.Commit();
        });
    }
}
