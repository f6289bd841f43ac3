using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;

[assembly: TraceModule("mm", Version = "1.0.0", License = "GPL-2.0", Author = "ModularTrace developers",
    Description = "Page allocator events: mm_page_alloc, mm_page_free",
    Entry = typeof(ModularTrace.Module.Mm.MmModule))]

namespace ModularTrace.Module.Mm;

/// <summary>Buddy allocator page allocations and frees.</summary>
public sealed class MmModule : ITraceModule
{
    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var a = new EventLayoutBuilder();
        var pfn = a.U64("pfn");
        var order = a.S32("order");
        var gfp = a.U32("gfp_flags");
        var migratetype = a.S32("migratetype");
        var alloc = context.DefineEvent("kmem", "mm_page_alloc", new EventClass("mm_page_alloc", a.Build(),
            "pfn=0x{pfn:x} order={order} migratetype={migratetype} gfp_flags=0x{gfp_flags:x}"));
        context.Record(context.Hook<Hook<ulong, int, uint, int>>("mm_page_alloc"), alloc, (ref w, p, o, g, m) =>
        {
            w.Set(pfn, p);
            w.Set(order, o);
            w.Set(gfp, g);
            w.Set(migratetype, m);
        });

        var f = new EventLayoutBuilder();
        var fpfn = f.U64("pfn");
        var forder = f.S32("order");
        var free = context.DefineEvent("kmem", "mm_page_free", new EventClass("mm_page_free", f.Build(), "pfn=0x{pfn:x} order={order}"));
        context.Record(context.Hook<Hook<ulong, int>>("mm_page_free"), free, (ref w, p, o) =>
        {
            w.Set(fpfn, p);
            w.Set(forder, o);
        });
    }
}
