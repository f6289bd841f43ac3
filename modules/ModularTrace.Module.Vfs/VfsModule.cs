using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;

[assembly: TraceModule("vfs", Version = "1.0.0", License = "GPL-2.0", Author = "ModularTrace developers",
    Description = "Syscall and VFS events: sys_openat (with the path), vfs_read, vfs_write",
    Entry = typeof(ModularTrace.Module.Vfs.VfsModule))]

namespace ModularTrace.Module.Vfs;

/// <summary>openat with its path as a variable-length string, and read/write sharing one event class.</summary>
public sealed class VfsModule : ITraceModule
{
    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var o = new EventLayoutBuilder();
        var dfd = o.S32("dfd");
        var filename = o.DynamicString("filename");
        var flags = o.S32("flags");
        var mode = o.S32("mode");
        var ret = o.S64("ret");
        var openat = context.DefineEvent("syscalls", "sys_openat", new EventClass("sys_openat", o.Build(),
            "dfd={dfd} filename={filename} flags=0x{flags:x} mode=0{mode:x} ret={ret}"));
#if HOOK_OPENAT2
        const string OpenatHook = "do_sys_openat2";
#else
        const string OpenatHook = "sys_openat";
#endif
        context.Record(context.Hook<Hook<int, string, int, int, long>>(OpenatHook), openat, (_, f, _, _, _) => TraceEvent.SizeOf(f), (ref w, d, f, fl, m, r) =>
        {
            w.Set(dfd, d);
            w.Set(filename, f);
            w.Set(flags, fl);
            w.Set(mode, m);
            w.Set(ret, r);
        });

        // DECLARE_EVENT_CLASS(vfs_rw) + two DEFINE_EVENTs.
        var b = new EventLayoutBuilder();
        var fd = b.S32("fd");
        var count = b.U64("count");
        var pos = b.S64("pos");
        var result = b.S64("ret");
        var rw = new EventClass("vfs_rw", b.Build(), "fd={fd} count={count} pos={pos} ret={ret}");
        foreach (var name in new[] { "vfs_read", "vfs_write" })
        {
            var ev = context.DefineEvent("vfs", name, rw);
            context.Record(context.Hook<Hook<int, ulong, long, long>>(name), ev, (ref w, f, c, p, r) =>
            {
                w.Set(fd, f);
                w.Set(count, c);
                w.Set(pos, p);
                w.Set(result, r);
            });
        }
    }
}
