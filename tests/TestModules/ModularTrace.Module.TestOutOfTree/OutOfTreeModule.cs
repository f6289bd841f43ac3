using ModularTrace.Hooks;
using ModularTrace.Modules;

[assembly: TraceModule("test_out_of_tree", Version = "2.0.0", License = "MIT", Description = "Built outside the host's tree: taints O",
    Entry = typeof(ModularTrace.Module.TestOutOfTree.OutOfTreeModule))]

namespace ModularTrace.Module.TestOutOfTree;

/// <summary>Attaches a probe that counts transmitted packets.</summary>
public sealed class OutOfTreeModule : ITraceModule
{
    private long _packets;

    /// <summary>Packets seen.</summary>
    public long Packets => Interlocked.Read(ref _packets);

    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Attach(context.Hook<Hook<string, uint, int, ulong>>("net_dev_xmit"), (_, _, _, _) => Interlocked.Increment(ref _packets));
    }
}
