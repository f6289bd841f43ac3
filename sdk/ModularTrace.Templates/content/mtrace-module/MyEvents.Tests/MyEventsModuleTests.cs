using System.Reflection;
using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;
using ModularTrace.Output;
using ModularTrace.SampleHost;
using ModularTrace.Signing;

namespace MyEvents.Tests;

public sealed class MyEventsModuleTests
{
    private const string Event = "mtrace_module_name:irq_entry";

    [Fact]
    public void Load_SignedModule_RecordsOneEventPerIrqHandlerEntry()
    {
        // A sample host trusting only the module's own certificate, enforcing signatures, vermagic and hook CRCs.
        var hooks = new KernelHooks(new HookRegistry());
        var session = new TraceSession();
        var keyrings = new Keyrings([CertificateFile.Load(Metadata("ModuleCertificate"))]);
        var loader = new ModuleLoader(hooks.Registry, session, keyrings, Policy.Enforce);

        var loaded = loader.Load(Metadata("ModulePath"));
        Assert.True(loaded.Loaded, $"{loaded.Error}\n{loaded.Hint}");
        Assert.Equal(1, session.SetEnabled(Event, true));

        var run = new SimulatedKernel(hooks).Run(new WorkloadOptions { Events = 5_000 });
        var records = new TraceReader(session).Read(consume: true).Where(r => r.Event?.FullName == Event).ToList();

        Assert.NotEmpty(records);
        Assert.Equal(run.FiresByHook["irq_handler_entry"], records.Count);
        var handler = records[0].Event!.Class.Layout["handler"];
        Assert.All(records, r => Assert.NotEqual("", RecordValues.ReadString(r.Data, handler)));
        Assert.Null(loader.Unload(loaded.Module!.Name));
    }

    [Fact]
    public void Load_HostWithoutItsCertificate_IsRefused()
    {
        var hooks = new KernelHooks(new HookRegistry());
        var loader = new ModuleLoader(hooks.Registry, new TraceSession(), new Keyrings(), Policy.Enforce);

        var refused = loader.Load(Metadata("ModulePath"));

        Assert.False(refused.Loaded);
        Assert.Contains("unavailable key", refused.Error, StringComparison.Ordinal);
    }

    private static string Metadata(string key) =>
        typeof(MyEventsModuleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"assembly metadata {key} has no value");
}
