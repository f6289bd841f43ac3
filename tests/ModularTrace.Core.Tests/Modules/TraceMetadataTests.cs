using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;
using ModularTrace.Signing;

namespace ModularTrace.Core.Tests.Modules;

/// <summary>The trace header's and CTF environment's key/value lines: one copy for mtrace run and a live host.</summary>
public sealed class TraceMetadataTests
{
    [Fact]
    public void Of_AnEmptyEnforcingLoader_SaysWhoTracedUnderWhichPolicy()
    {
        var loader = new ModuleLoader(new HookRegistry(), new TraceSession(), new Keyrings(), Policy.Enforce);

        var metadata = TraceMetadata.Of(loader);

        Assert.Equal(["host_policy", "host_tainted_mask", "host_taints", "host_vermagic", "modules", "tracer_name"], metadata.Keys);
        Assert.Equal("enforce", metadata["host_policy"]);
        Assert.Equal("0", metadata["host_tainted_mask"]);
        Assert.Equal(loader.HostVermagic, metadata["host_vermagic"]);
        Assert.Equal("", metadata["modules"]);
        Assert.Equal("mtrace", metadata["tracer_name"]);
    }
}
