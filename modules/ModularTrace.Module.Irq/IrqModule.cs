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
        context.Attach(context.Hook<Hook<int, string>>("irq_handler_entry"), (i, n) =>
        {
            var w = entry.Reserve(TraceEvent.SizeOf(n));
            if (!w.IsReserved)
            {
                return;
            }

            w.Set(irq, i);
            w.Set(name, n);
            w.Commit();
        });

        var x = new EventLayoutBuilder();
        var xirq = x.S32("irq");
        var ret = x.S32("ret");
        var exit = context.DefineEvent("irq", "irq_handler_exit", new EventClass("irq_handler_exit", x.Build(), "irq={irq} ret={ret}"));
        context.Attach(context.Hook<Hook<int, int>>("irq_handler_exit"), (i, r) =>
        {
            var w = exit.Reserve();
            if (!w.IsReserved)
            {
                return;
            }

            w.Set(xirq, i);
            w.Set(ret, r);
            w.Commit();
        });
    }
}
