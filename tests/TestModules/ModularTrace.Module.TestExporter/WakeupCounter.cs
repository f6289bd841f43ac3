using Microsoft.Extensions.DependencyInjection;
using ModularTrace.Hooks;
using ModularTrace.Modules;

[assembly: TraceModule("test_exporter", Version = "1.0.0", License = "MIT", Description = "Exports IWakeupCounter (EXPORT_SYMBOL)",
    Entry = typeof(ModularTrace.Module.TestExporter.ExporterModule))]
[assembly: ModuleExport(typeof(ModularTrace.Module.TestExporter.IWakeupCounter))]

namespace ModularTrace.Module.TestExporter;

/// <summary>A service other modules import.</summary>
public interface IWakeupCounter
{
    /// <summary>Wakeups seen.</summary>
    long Count { get; }
}

/// <summary>Counts sched_wakeup firings.</summary>
public sealed class WakeupCounter : IWakeupCounter
{
    private long _count;

    /// <inheritdoc />
    public long Count => Interlocked.Read(ref _count);

    internal void Increment() => Interlocked.Increment(ref _count);
}

/// <summary>Registers the counter and feeds it from the hook.</summary>
public sealed class ExporterModule : ITraceModule
{
    private readonly WakeupCounter _counter = new();

    /// <inheritdoc />
    public void ConfigureServices(IServiceCollection services) => services.AddSingleton<IWakeupCounter>(_counter);

    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Attach(context.Hook<Hook<string, int, int, int>>("sched_wakeup"), (_, _, _, _) => _counter.Increment());
    }
}
