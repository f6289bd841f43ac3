using System.Diagnostics;
using ModularTrace.Cli.Lab;
using ModularTrace.Runtime;

namespace ModularTrace.Integration.Tests.Modules;

/// <summary>A module built against one payload shape's CRC, loaded for real into a host bridging another shape.</summary>
[Collection(ModuleLoadingGroup.Name)]
public sealed class RuntimeHookCrcTests
{
    private const string Hook = "dl_Lab_Hosting_RequestStop";

    [Fact]
    public void Load_BuiltAgainstTheOldPayloadShape_IsRefusedBeforeAnyProbeOrContext()
    {
        var fixture = new LoaderFixture();
        using var framework = new DiagnosticListener(LabPayloads.Listener);
        using var bridge = RuntimeHooks.Register(fixture.Hooks.Registry, [LabPayloads.Spec(typeof(LabPayloads.RequestStopV3))]);
        Assert.Equal(0, LoaderFixture.LiveModuleContexts("lab_payload"));

        var result = fixture.Loader.Load(RepoFiles.LabModule("LabPayload"));

        Assert.False(result.Loaded);
        Assert.Equal($"lab_payload: disagrees about version of symbol {Hook}", result.Error);
        Assert.StartsWith($"built against 0xd46ab02c, host has 0xebf89fb9 {Hook}(string Method, string Path, long StatusCode)", result.Hint, StringComparison.Ordinal);
        Assert.Equal(0, fixture.AttachedProbes);
        Assert.Equal(0, bridge.ActiveSubscriptions);
        Assert.False(framework.IsEnabled(LabPayloads.RequestStop));
        Assert.Null(fixture.Session.Find("lab:request_stop"));
        Assert.Equal(0, LoaderFixture.LiveModuleContexts("lab_payload"));
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "ModularTrace.Module.LabPayload");
    }

    [Fact]
    public void Load_OnTheShapeItWasBuiltAgainst_AttachesAndSubscribes()
    {
        // The other half of the test above: the same file, the same loader, only the payload shape differs.
        var fixture = new LoaderFixture();
        using var framework = new DiagnosticListener(LabPayloads.Listener);
        using var bridge = RuntimeHooks.Register(fixture.Hooks.Registry, [LabPayloads.Spec(typeof(LabPayloads.RequestStopV1))]);

        var result = fixture.Loader.Load(RepoFiles.LabModule("LabPayload"));

        Assert.True(result.Loaded, result.Error);
        // Record's probe goes on the hook when its event is enabled, and only then is the source subscribed.
        Assert.Equal(0, bridge.ActiveSubscriptions);
        fixture.Session.SetEnabled("*", true);
        Assert.Equal(1, fixture.AttachedProbes);
        Assert.Equal(1, bridge.ActiveSubscriptions);
        Assert.True(framework.IsEnabled(LabPayloads.RequestStop));
        Assert.Null(fixture.Loader.Unload("lab_payload"));
        Assert.Equal(0, bridge.ActiveSubscriptions);
    }
}
