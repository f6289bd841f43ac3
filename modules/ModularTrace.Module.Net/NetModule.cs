using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;

[assembly: TraceModule("net", Version = "1.0.0", License = "GPL-2.0", Author = "ModularTrace developers",
    Description = "Network device events: net_dev_xmit, netif_receive_skb",
    Entry = typeof(ModularTrace.Module.Net.NetModule))]

namespace ModularTrace.Module.Net;

/// <summary>Packets handed to and received from network devices.</summary>
public sealed class NetModule : ITraceModule
{
    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var x = new EventLayoutBuilder();
        var skbaddr = x.U64("skbaddr");
        var len = x.U32("len");
        var rc = x.S32("rc");
        var name = x.DynamicString("name");
        var xmit = context.DefineEvent("net", "net_dev_xmit", new EventClass("net_dev_xmit", x.Build(),
            "dev={name} skbaddr=0x{skbaddr:x} len={len} rc={rc}"));
        context.Record(context.Hook<Hook<string, uint, int, ulong>>("net_dev_xmit"), xmit, (d, _, _, _) => TraceEvent.SizeOf(d), (ref w, d, l, r, s) =>
        {
            w.Set(skbaddr, s);
            w.Set(len, l);
            w.Set(rc, r);
            w.Set(name, d);
        });

        var r = new EventLayoutBuilder();
        var rskb = r.U64("skbaddr");
        var rlen = r.U32("len");
        var rname = r.DynamicString("name");
        var receive = context.DefineEvent("net", "netif_receive_skb", new EventClass("net_dev_template", r.Build(),
            "dev={name} skbaddr=0x{skbaddr:x} len={len}"));
        context.Record(context.Hook<Hook<string, uint, ulong>>("netif_receive_skb"), receive, (d, _, _) => TraceEvent.SizeOf(d), (ref w, d, l, s) =>
        {
            w.Set(rskb, s);
            w.Set(rlen, l);
            w.Set(rname, d);
        });
    }
}
