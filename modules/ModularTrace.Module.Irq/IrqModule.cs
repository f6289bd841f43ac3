using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;

[assembly: TraceModule("irq", Version = "1.0.0", License = "GPL-2.0", Author = "ModularTrace developers",
    Description = "Interrupt events: irq_handler_entry, irq_handler_exit",
    Entry = typeof(ModularTrace.Module.Irq.IrqModule))]

namespace ModularTrace.Module.Irq;

/// <summary>Interrupt handler entry (with the handler name) and exit.</summary>
public sealed class IrqModule : ITraceModule
{
    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var e = new EventLayoutBuilder();
        var irq = e.S32("irq");
        var name = e.DynamicString("name");
        var entry = context.DefineEvent("irq", "irq_handler_entry", new EventClass("irq_handler_entry", e.Build(), "irq={irq} name={name}"));
        context.Record(context.Hook<Hook<int, string>>("irq_handler_entry"), entry, (_, n) => TraceEvent.SizeOf(n), (ref w, i, n) =>
        {
            w.Set(irq, i);
            w.Set(name, n);
        });

        var x = new EventLayoutBuilder();
        var xirq = x.S32("irq");
        var ret = x.S32("ret");
        var exit = context.DefineEvent("irq", "irq_handler_exit", new EventClass("irq_handler_exit", x.Build(), "irq={irq} ret={ret}"));
        context.Record(context.Hook<Hook<int, int>>("irq_handler_exit"), exit, (ref w, i, r) =>
        {
            w.Set(xirq, i);
            w.Set(ret, r);
        });
    }
}
