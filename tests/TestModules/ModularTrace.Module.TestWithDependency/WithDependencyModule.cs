using ModularTrace.Hooks;
using ModularTrace.Modules;
using ModularTrace.TestDependency;

[assembly: TraceModule("test_with_dependency", Version = "1.0.0", License = "MIT",
    Description = "Signed itself, but brings a second assembly that is loaded from beside it",
    Entry = typeof(ModularTrace.Module.TestWithDependency.WithDependencyModule))]

namespace ModularTrace.Module.TestWithDependency;

/// <summary>Calls into its dependency at init, so a load really needs <c>ModularTrace.TestDependency.dll</c>.</summary>
public sealed class WithDependencyModule : ITraceModule
{
    /// <summary>The dependency's answer, read at init.</summary>
    public int Answer { get; private set; }

    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Answer = Greeting.Answer;
        context.Attach(context.Hook<Hook<int, ulong, long, long>>("vfs_read"), (_, _, _, _) => { });
    }
}
