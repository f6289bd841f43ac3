using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;

[assembly: TraceModule("block", Version = "1.0.0", License = "GPL-2.0", Author = "ModularTrace developers",
    Description = "Block layer events: block_rq_issue, block_rq_complete",
    Entry = typeof(ModularTrace.Module.Block.BlockModule))]

namespace ModularTrace.Module.Block;

/// <summary>Block request issue and completion, with device numbers shown as major,minor.</summary>
public sealed class BlockModule : ITraceModule
{
    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var i = new EventLayoutBuilder();
        var dev = i.U32("dev");
        var sector = i.U64("sector");
        var nrSector = i.U32("nr_sector");
        var rwbs = i.Chars("rwbs", 8);
        var pid = i.S32("pid");
        var comm = i.Chars("comm", 16);
        var issue = context.DefineEvent("block", "block_rq_issue", new EventClass("block_rq_issue", i.Build(),
            "dev=0x{dev:x} {rwbs} {sector} + {nr_sector} [{comm}] pid={pid}"));
        context.Record(context.Hook<Hook<uint, ulong, uint, string, int, string>>("block_rq_issue"), issue, (ref w, d, s, n, r, p, c) =>
        {
            w.Set(dev, d);
            w.Set(sector, s);
            w.Set(nrSector, n);
            w.Set(rwbs, r);
            w.Set(pid, p);
            w.Set(comm, c);
        });

        var c = new EventLayoutBuilder();
        var cdev = c.U32("dev");
        var csector = c.U64("sector");
        var cnr = c.U32("nr_sector");
        var crwbs = c.Chars("rwbs", 8);
        var error = c.S32("error");
        var latency = c.U64("latency_ns");
        var complete = context.DefineEvent("block", "block_rq_complete", new EventClass("block_rq_complete", c.Build(),
            "dev=0x{dev:x} {rwbs} {sector} + {nr_sector} [{error}] latency_ns={latency_ns}"));
        context.Record(context.Hook<Hook<uint, ulong, uint, string, int, ulong>>("block_rq_complete"), complete, (ref w, d, s, n, r, e, l) =>
        {
            w.Set(cdev, d);
            w.Set(csector, s);
            w.Set(cnr, n);
            w.Set(crwbs, r);
            w.Set(error, e);
            w.Set(latency, l);
        });
    }
}
