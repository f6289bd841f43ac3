using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;

[assembly: TraceModule("test_unsigned", Version = "1.0.0", License = "MIT", Description = "Never signed: refused under enforce, taints E under permissive",
    Entry = typeof(ModularTrace.Module.TestUnsigned.UnsignedModule))]

namespace ModularTrace.Module.TestUnsigned;

/// <summary>Counts reads through an event.</summary>
public sealed class UnsignedModule : ITraceModule
{
    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var b = new EventLayoutBuilder();
        var fd = b.S32("fd");
        var ev = context.DefineEvent("test", "unsigned_read", new EventClass("unsigned_read", b.Build(), "fd={fd}"));
        context.Attach(context.Hook<Hook<int, ulong, long, long>>("vfs_read"), (f, _, _, _) =>
        {
            var w = ev.Reserve();
            w.Set(fd, f);
            w.Commit();
        });
    }
}
