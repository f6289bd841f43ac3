using ModularTrace.Hooks;
using ModularTrace.Hosting;

namespace ModularTrace.Integration.Tests.Hosting;

/// <summary>ModularTrace:Runtime:Sources: what the host bridges, and a name it does not know.</summary>
public sealed class RuntimeOptionsTests
{
    [Fact]
    public void Validate_UnknownRuntimeSource_IsAProblemNamingTheSetting()
    {
        var options = new ModularTraceOptions { Runtime = new ModularTraceRuntimeOptions { Sources = ["HttpClient", "Kafka"] } };
        var problem = Assert.Single(options.Validate());
        Assert.StartsWith("ModularTrace:Runtime:Sources: Runtime source 'Kafka' is not known; known: HttpClient", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithRuntimeSources_RegistersTheirHooksAndDisposeUnsubscribes()
    {
        var hooks = HostHooks.Declare(typeof(TestAppHooks));
        var options = new ModularTraceOptions { Socket = { Enabled = false }, Runtime = new ModularTraceRuntimeOptions { Sources = ["HttpClient"] } };
        var host = ModularTraceHost.Start(hooks, options);
        await using (host)
        {
            Assert.NotNull(host.Runtime);
            Assert.Empty(host.Runtime.Unavailable);
            Assert.Equal(["dl_System_Net_Http_HttpRequestOut_Start", "dl_System_Net_Http_HttpRequestOut_Stop", "testapp_request"], hooks.Registry.Hooks.Select(h => h.Name));
            var stop = hooks.Registry.Get<Hook<string, string, string, int, int, long>>("dl_System_Net_Http_HttpRequestOut_Stop");
            stop.Attach((_, _, _, _, _, _) => { });
            using (var client = new HttpClient())
            {
                // Makes HttpClient's listener exist (it is created on first use), so the attach above subscribes to it.
                await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri("http://127.0.0.1:1/")));
            }

            Assert.Equal(1, host.Runtime.ActiveSubscriptions);
        }

        Assert.Equal(0, host.Runtime.ActiveSubscriptions);
    }
}
