using System.Runtime.CompilerServices;
using ModularTrace.Modules;

namespace ModularTrace.Integration.Tests.Modules;

/// <summary>Modules that misbehave after loading: the outcome of each is defined and reported.</summary>
[Collection(ModuleLoadingGroup.Name)]
public sealed class ModuleFaultTests
{
    [Fact]
    public void UnloadAndWait_ModuleKeepingADelegateInAHostStatic_IsReportedLeakedWithTheReason()
    {
        var host = new LoaderFixture();
        LoadOnly(host, RepoFiles.TestModule("TestKeepsAlive"));

        var report = host.Loader.UnloadAndWait("test_keeps_alive", TimeSpan.Zero);

        Assert.NotNull(report);
        Assert.StartsWith($"test_keeps_alive: module unloaded but its load context is still alive after {ModuleLoader.MinimumCollections} garbage collections", report, StringComparison.Ordinal);
        Assert.Contains("(static field, event handler, thread, timer)", report, StringComparison.Ordinal);
        Assert.Contains(report, host.Loader.Log);
        Assert.Empty(host.Loader.Modules);           // it is unloaded as far as the host is concerned ...
        Assert.Equal(0, host.AttachedProbes);        // ... and none of its probes can run again
    }

    [Fact]
    public void CheckUnloaded_ModuleKeepingADelegateInAHostStatic_StaysAliveWhateverTheGcDoes()
    {
        // AssemblyLoadContext.All forgets a context as soon as its unload starts, so only a weak reference tells.
        var host = new LoaderFixture();
        LoadOnly(host, RepoFiles.TestModule("TestKeepsAlive"));
        Assert.Null(host.Loader.Unload("test_keeps_alive", out var context));

        Assert.NotNull(ModuleLoader.CheckUnloaded("test_keeps_alive", context, TimeSpan.Zero));
        Assert.False(LoaderFixture.Collected(context), "the context was collected: the module no longer leaks, so this test proves nothing");
    }

    [Fact]
    public void UnloadAndWait_WellBehavedModule_IsCollectedAndReportsNothing()
    {
        var host = new LoaderFixture();
        LoadOnly(host, RepoFiles.SampleModule("Sched"));
        Assert.Null(host.Loader.UnloadAndWait("sched", TimeSpan.FromSeconds(30)));
        Assert.DoesNotContain(host.Loader.Log, line => line.EndsWith("(leaked)", StringComparison.Ordinal));
    }

    [Fact]
    public void UnloadAndWait_ModuleNotLoaded_IsEnoent()
        => Assert.Equal("nothing: module not loaded (ENOENT)", new LoaderFixture().Loader.UnloadAndWait("nothing", TimeSpan.Zero));

    [Fact]
    public void CheckUnloaded_NoContext_IsNotALeak()
        => Assert.Null(ModuleLoader.CheckUnloaded("x", null, TimeSpan.Zero));

    [Fact]
    public void Run_Unload_ReportsTheLeakedModuleOnTheCommandLine()
    {
        var result = Mtrace.Run("run", "--load", RepoFiles.SampleModule("Sched"), "--load", RepoFiles.TestModule("TestKeepsAlive"),
            "--events", "200", "--unload");

        Assert.True(result.ExitCode == 0, result.ToString());
        var output = result.Stdout + result.Stderr;
        Assert.Contains("[mtrace] sched: unloaded", output, StringComparison.Ordinal);
        Assert.Contains("[mtrace] test_keeps_alive: module unloaded but its load context is still alive", output, StringComparison.Ordinal);
        Assert.DoesNotContain("sched: module unloaded but", output, StringComparison.Ordinal);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LoadOnly(LoaderFixture host, string path)
    {
        var result = host.Loader.Load(path);
        Assert.True(result.Loaded, result.Error);
    }
}
