using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ModularTrace.Control;
using ModularTrace.Hooks;
using ModularTrace.Hosting;
using ModularTrace.Modules;

namespace ModularTrace.Integration.Tests.Hosting;

/// <summary>A program's own hooks, as a host author declares them.</summary>
public sealed class TestAppHooks
{
    public TestAppHooks(HookRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        Request = registry.Register(new Hook<string, int>("testapp_request", "route", "status"));
    }

    public Hook<string, int> Request { get; }
}

/// <summary>ModularTrace.Hosting in a Generic Host and through the plain API: lifetime, options, refusals by policy.</summary>
public sealed class HostingTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private string Socket => Path.Combine(_directory.Path, "s.sock");

    [Fact]
    public async Task GenericHost_ServesTheHostsHooks_AndStopRemovesTheSocket()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = _directory.Path });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ModularTrace:Socket:Path"] = "s.sock" });
        builder.Services.AddModularTrace<TestAppHooks>(builder.Configuration.GetSection(ModularTraceOptions.SectionName));
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            Assert.True(File.Exists(Socket), "the control socket is served once the host has started");
            var hooks = host.Services.GetRequiredService<TestAppHooks>();
            Assert.Same(hooks.Request, host.Services.GetRequiredService<HookRegistry>().Get<Hook<string, int>>("testapp_request"));
            await using var client = await ControlClient.ConnectAsync(Socket, "test");
            var reply = await client.RequestAsync(new ControlRequest { Op = ControlOps.Hooks });
            Assert.Equal(HostHooks.VermagicOf(typeof(TestAppHooks).Assembly), reply.Vermagic);
            Assert.StartsWith(VerMagic.Compose(typeof(TestAppHooks).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
                .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion), reply.Vermagic, StringComparison.Ordinal);
            Assert.Equal($"{HookSignature.FormatCrc(HookSignature.ComputeCrc("testapp_request(string route, int status)"))}\ttestapp_request\ttestapp_request(string route, int status)\n", reply.Symvers);
        }
        finally
        {
            await host.StopAsync();
        }

        Assert.False(File.Exists(Socket), "stopping the host removes its socket");
    }

    [Fact]
    public async Task Options_BoundFromConfiguration_ReachTheLoaderAndSession()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ModularTrace:Policy"] = "permissive",
            ["ModularTrace:Socket:Enabled"] = "false",
            ["ModularTrace:Buffer:Size"] = "65536",
            ["ModularTrace:Buffer:Mode"] = "overwrite",
            ["ModularTrace:Buffer:Clock"] = "counter",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddModularTrace<TestAppHooks>(configuration.GetSection("ModularTrace"));
        await using var provider = services.BuildServiceProvider();
        var service = provider.GetServices<IHostedService>().OfType<ModularTraceService>().Single();
        await service.StartAsync(CancellationToken.None);
        var running = service.Host!;
        Assert.Equal(Policy.Permissive, running.Loader.Policy);
        Assert.Equal(65536, running.Session.Options.BufferSize);
        Assert.True(running.Session.Options.Overwrite);
        Assert.Equal(ModularTrace.Events.TraceClock.Counter, running.Session.Options.Clock);
        Assert.Null(running.Control);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Configuration_ClockTsc_IsTheSessionsClockOrMonoWithAWarningSayingWhy()
    {
        var logged = new List<string>();
        var options = new ModularTraceOptions { Socket = new ModularTraceSocketOptions { Enabled = false }, Buffer = new ModularTraceBufferOptions { Clock = "tsc" } };
        await using var host = ModularTraceHost.Start(HostHooks.Declare(typeof(TestAppHooks)), options, _directory.Path, logged.Add);
        if (ModularTrace.Events.TscClock.IsAvailable)
        {
            Assert.Equal(ModularTrace.Events.TraceClock.Tsc, host.Session.Options.Clock);
            Assert.DoesNotContain(logged, line => line.Contains("warning", StringComparison.Ordinal));
        }
        else
        {
            Assert.Equal(ModularTrace.Events.TraceClock.Mono, host.Session.Options.Clock);
            Assert.Contains($"modulartrace: warning: trace clock tsc unavailable ({ModularTrace.Events.TscClock.UnavailableReason}): using mono", logged);
        }
    }

    [Fact]
    public void Configuration_UnknownClock_IsRefusedNamingTheClocks()
    {
        var options = new ModularTraceOptions { Buffer = new ModularTraceBufferOptions { Clock = "local" } };
        var ex = Assert.Throws<ModularTraceStartException>(() => ModularTraceHost.Start(HostHooks.Declare(typeof(TestAppHooks)), options, _directory.Path));
        Assert.Equal("modulartrace: refusing to start: ModularTrace:Buffer:Clock is 'local': expected mono, counter, coarse or tsc", ex.Message);
    }

    [Fact]
    public void BadConfiguration_IsRefusedWhateverThePolicy_NamingEachSetting()
    {
        var options = new ModularTraceOptions { Policy = "strict", Buffer = new ModularTraceBufferOptions { Mode = "ring", Size = 10 } };
        var ex = Assert.Throws<ModularTraceStartException>(() => ModularTraceHost.Start(HostHooks.Declare(typeof(TestAppHooks)), options, _directory.Path));
        Assert.Equal(
            "modulartrace: refusing to start: ModularTrace:Policy is 'strict': expected enforce, permissive or lockdown; "
            + "ModularTrace:Buffer:Size is 10: expected 4096 to 1073741824 bytes; ModularTrace:Buffer:Mode is 'ring': expected discard or overwrite",
            ex.Message);
    }

    [Theory]
    [InlineData("enforce")]
    [InlineData("lockdown")]
    public void MissingModule_UnderEnforcingPolicies_RefusesToStart_SayingWhich(string policy)
    {
        var options = new ModularTraceOptions { Policy = policy, Modules = ["modules/missing.dll"], Socket = new ModularTraceSocketOptions { Path = "s.sock" } };
        var ex = Assert.Throws<ModularTraceStartException>(() => ModularTraceHost.Start(HostHooks.Declare(typeof(TestAppHooks)), options, _directory.Path));
        Assert.Contains($"{Path.Combine(_directory.Path, "modules/missing.dll")}: ", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith($"; refusing to start (policy {policy})", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ModularTrace:Policy=permissive", ex.Hint, StringComparison.Ordinal);
        Assert.False(File.Exists(Socket), "a refused start serves nothing");
    }

    [Fact]
    public async Task MissingModuleAndCertificate_UnderPermissive_StartsWithoutThem_SayingSo()
    {
        var log = new List<string>();
        var options = new ModularTraceOptions { Policy = "permissive", Modules = ["missing.dll"], Certificates = ["keys/none.x509"], Socket = new ModularTraceSocketOptions { Enabled = false } };
        await using var host = ModularTraceHost.Start(HostHooks.Declare(typeof(TestAppHooks)), options, _directory.Path, log.Add);
        Assert.Empty(host.Loader.Modules);
        Assert.Contains(log, line => line.StartsWith($"modulartrace: certificate {Path.Combine(_directory.Path, "keys/none.x509")} cannot be trusted", StringComparison.Ordinal)
            && line.EndsWith("; starting without it (policy permissive)", StringComparison.Ordinal));
        Assert.Contains(log, line => line.Contains("missing.dll", StringComparison.Ordinal) && line.EndsWith("; starting without it (policy permissive)", StringComparison.Ordinal));
    }

    [Fact]
    public void ModuleSignedByAnUntrustedKey_UnderEnforce_RefusesToStart()
    {
        var options = new ModularTraceOptions { Modules = [RepoFiles.SampleModule("Irq")], Socket = new ModularTraceSocketOptions { Enabled = false } };
        var ex = Assert.Throws<ModularTraceStartException>(() => ModularTraceHost.Start(HostHooks.Declare(typeof(TestAppHooks)), options, _directory.Path));
        Assert.StartsWith("irq: Loading of module with unavailable key is rejected (signed with unavailable key", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("; refusing to start (policy enforce)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HooksTypeWithoutARegistryConstructor_IsRefusedNamingIt()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => HostHooks.Declare(typeof(HostingTests)));
        Assert.StartsWith($"Hooks type '{typeof(HostingTests).FullName}' has no public constructor taking a HookRegistry", ex.Message, StringComparison.Ordinal);
    }
}
