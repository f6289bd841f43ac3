using ModularTrace.Module.TestExporter;
using ModularTrace.Modules;

[assembly: TraceModule("test_importer", Version = "1.0.0", License = "MIT", Description = "Imports IWakeupCounter from test_exporter",
    Entry = typeof(ModularTrace.Module.TestImporter.ImporterModule))]
[assembly: ModuleImport(typeof(ModularTrace.Module.TestExporter.IWakeupCounter))]

namespace ModularTrace.Module.TestImporter;

/// <summary>Gets the exporter's service by constructor injection.</summary>
public sealed class ImporterModule(IWakeupCounter counter) : ITraceModule
{
    /// <summary>The imported service.</summary>
    public IWakeupCounter Counter { get; } = counter;

    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
    }
}
