using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;

[assembly: TraceModule("lab_swapped", Version = "1.0.0", License = "GPL-2.0", Author = "ModularTrace lab",
    Description = "Built against a host whose irq_handler_exit was (int ret, int irq): same types, other order (Rostedt 2015)",
    Entry = typeof(ModularTrace.Module.LabSwapped.SwappedModule))]
// CRC-32 of "irq_handler_exit(int ret, int irq)", the prototype this module was compiled against.
[assembly: ModuleHookVersion("irq_handler_exit", 0x85079a77u)]

namespace ModularTrace.Module.LabSwapped;

/// <summary>Records irq_handler_exit believing the first argument is 'ret': types match, so only the CRC can tell.</summary>
public sealed class SwappedModule : ITraceModule
{
    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var b = new EventLayoutBuilder();
        var irq = b.S32("irq");
        var ret = b.S32("ret");
        var ev = context.DefineEvent("lab", "irq_exit_swapped", new EventClass("irq_exit_swapped", b.Build(), "irq={irq} ret={ret}"));
        context.Record(context.Hook<Hook<int, int>>("irq_handler_exit"), ev, (ref w, first, second) =>
        {
            w.Set(ret, first);
            w.Set(irq, second);
        });
    }
}
