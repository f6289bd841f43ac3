using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;

[assembly: TraceModule("test_bad_crc", Version = "1.0.0", License = "MIT", Description = "Claims an irq_handler_exit CRC the host does not have",
    Entry = typeof(ModularTrace.Module.TestBadCrc.BadCrcModule))]
// CRC-32 of "irq_handler_exit(int irq, long ret)": the prototype of an older host.
[assembly: ModuleHookVersion("irq_handler_exit", 0x301eeaffu)]

namespace ModularTrace.Module.TestBadCrc;

/// <summary>Records irq_handler_exit if forced in.</summary>
public sealed class BadCrcModule : ITraceModule
{
    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var b = new EventLayoutBuilder();
        var irq = b.S32("irq");
        var ev = context.DefineEvent("test", "irq_exit_forced", new EventClass("irq_exit_forced", b.Build(), "irq={irq}"));
        context.Attach(context.Hook<Hook<int, int>>("irq_handler_exit"), (i, _) =>
        {
            var w = ev.Reserve();
            w.Set(irq, i);
            w.Commit();
        });
    }
}
