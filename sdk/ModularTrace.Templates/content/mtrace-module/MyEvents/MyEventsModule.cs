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

        // Record's probe reserves a record (room for the name too), runs this assign step (the kernel's TP_fast_assign)
        // and commits; it runs on the traced code's path, so nothing else: no allocation, no formatting. While the
        // event is off, filtered out or its buffer full, the assign step is skipped.
        context.Record(context.Hook<Hook<int, string>>("irq_handler_entry"), entry, (_, name) => TraceEvent.SizeOf(name), (ref record, number, name) =>
        {
            record.Set(irq, number);
            record.Set(handler, name);
        });
    }
}
