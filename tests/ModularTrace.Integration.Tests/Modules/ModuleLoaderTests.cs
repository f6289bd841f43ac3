using System.Buffers.Binary;
using ModularTrace.Buffers;
using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;
using ModularTrace.Output;
using ModularTrace.SampleHost;
using ModularTrace.Signing;

namespace ModularTrace.Integration.Tests.Modules;

[Collection(ModuleLoadingGroup.Name)]
public sealed class ModuleLoaderTests
{
    private static readonly string s_sched = RepoFiles.SampleModule("Sched");

    [Fact]
    public void Load_SignedSampleModule_UnderEnforce_DefinesEventsAndRecords()
    {
        var host = new LoaderFixture();
        var result = host.Loader.Load(s_sched);

        Assert.True(result.Loaded, result.Error);
        Assert.Equal("sched", result.Module!.Name);
        Assert.Equal(SignatureStatus.Valid, result.Module.Signature.Status);
        Assert.Equal(Taint.None, host.Loader.Taints.Flags);
        Assert.Equal(4, host.Session.Select("sched:*").Count);
        // Its events start disabled, and a disabled event's probe is not on the hook (the kernel's trace_event_reg).
        Assert.Equal(0, host.AttachedProbes);

        host.Session.SetEnabled("sched:sched_switch", true);
        Assert.Equal(1, host.Hooks.SchedSwitch.ProbeCount);
        new SimulatedKernel(host.Hooks).Run(new WorkloadOptions { Events = 2_000 });
        var records = new TraceReader(host.Session).Read(consume: true);
        Assert.NotEmpty(records);
        Assert.All(records, r => Assert.Equal("sched:sched_switch", r.Event!.FullName));
    }

    [Fact]
    public void Load_Unsigned_UnderEnforce_IsRefusedWithTheContractMessageAndLeavesNothing()
    {
        var host = new LoaderFixture();
        var result = host.Loader.Load(RepoFiles.TestModule("TestUnsigned"));

        Assert.False(result.Loaded);
        Assert.Equal("Loading of unsigned module test_unsigned is rejected", result.Error);
        Assert.Equal(0, host.AttachedProbes);
        Assert.Empty(host.Session.Events);
        Assert.Equal(0, LoaderFixture.LiveModuleContexts("test_unsigned"));
    }

    [Fact]
    public void Load_Unsigned_UnderPermissive_LoadsTaintedEAndWarnsOnce()
    {
        var host = new LoaderFixture(Policy.Permissive);
        var first = host.Loader.Load(RepoFiles.TestModule("TestUnsigned"));
        var second = host.Loader.Load(ResignedWithUnknownKey(s_sched));

        Assert.True(first.Loaded, first.Error);
        Assert.True(second.Loaded, second.Error);
        Assert.Equal(Taint.UnsignedModule, host.Loader.Taints.Flags);
        Assert.Single(host.Loader.Log, line => line.EndsWith("module verification failed: signature and/or required key missing - tainting host", StringComparison.Ordinal));
        Assert.Equal(Taint.UnsignedModule, first.Module!.Taints);
    }

    [Fact]
    public void Load_UnknownKey_UnderEnforce_IsRefusedAsUnavailableKey()
    {
        var host = new LoaderFixture();
        var result = host.Loader.Load(ResignedWithUnknownKey(s_sched));
        Assert.False(result.Loaded);
        Assert.StartsWith("sched: Loading of module with unavailable key is rejected", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, host.AttachedProbes);
    }

    [Theory]
    [InlineData(Policy.Enforce)]
    [InlineData(Policy.Permissive)]
    [InlineData(Policy.Lockdown)]
    public void Load_PayloadByteFlipped_IsRefusedAsBadSignatureUnderEveryPolicy(Policy policy)
    {
        var bytes = LoaderFixture.Bytes(s_sched);
        bytes[bytes.Length / 3] ^= 0x01;
        var result = new LoaderFixture(policy).Loader.Load(WriteTemp(bytes));
        Assert.False(result.Loaded);
        Assert.Contains("Key was rejected", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)] // algo
    [InlineData(1)] // hash
    [InlineData(3)] // signer_len
    [InlineData(4)] // key_id_len
    [InlineData(5)] // pad[0]
    public void Load_ReservedTrailerFieldNonZero_IsRefusedUnderPermissive(int field)
    {
        var bytes = LoaderFixture.Bytes(s_sched);
        bytes[bytes.Length - 28 - 12 + field] = 1;
        var result = new LoaderFixture(Policy.Permissive).Loader.Load(WriteTemp(bytes));
        Assert.False(result.Loaded);
        Assert.Contains("module signature is malformed", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OtherVermagic_IsRefusedNamingBoth()
    {
        var host = new LoaderFixture();
        var result = host.Loader.Load(RepoFiles.TestModule("TestOldVermagic"));
        Assert.Equal(
            $"test_old_vermagic: version magic '0.0.1+0000000000 net10.0 mod_unload modversions' should be '{VerMagic.Host}'",
            result.Error);
    }

    [Fact]
    public void Load_ForceVermagic_UnderPermissive_LoadsTaintedFAndE()
    {
        var host = new LoaderFixture(Policy.Permissive);
        var result = host.Loader.Load(RepoFiles.TestModule("TestOldVermagic"), new LoadOptions { ForceVermagic = true });
        Assert.True(result.Loaded, result.Error);
        Assert.Equal(Taint.ForcedModule | Taint.UnsignedModule, host.Loader.Taints.Flags);
    }

    [Fact]
    public void Load_ForceVermagic_UnderEnforce_IsRefusedBecauseForcingDropsTheSignature()
    {
        var result = new LoaderFixture().Loader.Load(RepoFiles.TestModule("TestOldVermagic"), new LoadOptions { ForceVermagic = true });
        Assert.Equal("Loading of unsigned module test_old_vermagic is rejected", result.Error);
    }

    [Fact]
    public void Load_Forced_UnderLockdown_IsRefused()
    {
        var result = new LoaderFixture(Policy.Lockdown).Loader.Load(s_sched, new LoadOptions { ForceModversion = true });
        Assert.StartsWith("Lockdown: sched: forced module loading is restricted", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HookCrcDiffers_IsRefused_AndForcingLoadsTaintedF()
    {
        var refused = new LoaderFixture().Loader.Load(RepoFiles.TestModule("TestBadCrc"));
        Assert.Equal("test_bad_crc: disagrees about version of symbol irq_handler_exit", refused.Error);

        var host = new LoaderFixture(Policy.Permissive);
        var forced = host.Loader.Load(RepoFiles.TestModule("TestBadCrc"), new LoadOptions { ForceModversion = true });
        Assert.True(forced.Loaded, forced.Error);
        Assert.True(host.Loader.Taints.Flags.HasFlag(Taint.ForcedModule));
    }

    [Fact]
    public void Load_UnknownHook_IsRefusedAsUnknownSymbolBeforeAnyModuleCodeRuns()
    {
        var host = new LoaderFixture();
        var result = host.Loader.Load(RepoFiles.TestModule("TestUnknownHook"));
        Assert.Equal("test_unknown_hook: unknown symbol sched_migrate_task", result.Error);
        Assert.Equal(0, LoaderFixture.LiveModuleContexts("test_unknown_hook"));
    }

    [Fact]
    public void Load_InitThrows_LeavesNoProbeNoEventAndNoContext()
    {
        var host = new LoaderFixture();
        var result = host.Loader.Load(RepoFiles.TestModule("TestThrowingInit"));

        Assert.False(result.Loaded);
        Assert.Equal("test_throwing_init: module init failed: InvalidOperationException: init failed on purpose", result.Error);
        Assert.Equal(0, host.AttachedProbes);
        Assert.Null(host.Session.Find("test:half_made"));
        Assert.Empty(host.Loader.Modules);
        Assert.Equal(0, LoaderFixture.LiveModuleContexts("test_throwing_init"));
    }

    // The module contract (README "Which package"): a module reaches hooks only through ModuleContext, so every hook
    // it touches was declared and CRC-checked. Through the registry it could attach to irq_handler_exit, which it
    // never declared.
    [Fact]
    public void Load_EntryAsksForTheHostRegistry_IsRefusedSayingWhatToUseAndLeavesNothing()
    {
        var host = new LoaderFixture();
        var result = host.Loader.Load(RepoFiles.TestModule("TestHostInternals"));

        Assert.False(result.Loaded);
        Assert.StartsWith(
            "test_host_internals: module init failed: InvalidOperationException: entry type ModularTrace.Module.TestHostInternals.HostInternalsModule asks for the host's HookRegistry, which modules are not given: hooks come from ModuleContext.Hook<T>(name)",
            result.Error,
            StringComparison.Ordinal);
        Assert.Equal(0, host.AttachedProbes);
        Assert.Empty(host.Loader.Modules);
        Assert.Equal(0, LoaderFixture.LiveModuleContexts("test_host_internals"));
    }

    // A probe attached straight on a declared hook (hook.Attach, no owner), from Init and from a thread-pool item that
    // does not inherit Init's context, is the module's all the same: rmmod detaches both. Before, both kept firing
    // into the unloaded module's code.
    [Fact]
    public void Unload_ProbesAttachedStraightOnTheHook_AreDetachedToo()
    {
        var host = new LoaderFixture();
        var result = host.Loader.Load(RepoFiles.TestModule("TestDirectAttach"));
        Assert.True(result.Loaded, result.Error);
        Assert.Equal(2, host.Hooks.SchedSwitch.ProbeCount);

        Assert.Null(host.Loader.Unload("test_direct_attach"));

        Assert.Equal(0, host.AttachedProbes);
        Assert.Equal(0, LoaderFixture.LiveModuleContexts("test_direct_attach"));
    }

    [Fact]
    public void Load_SameModuleTwice_IsRefusedAsExisting()
    {
        var host = new LoaderFixture();
        Assert.True(host.Loader.Load(s_sched).Loaded);
        Assert.Equal("sched: module is already loaded (EEXIST)", host.Loader.Load(s_sched).Error);
    }

    [Fact]
    public void Load_BlacklistedModuleHash_IsRefusedEvenWhenValidlySigned()
    {
        var host = new LoaderFixture(Policy.Permissive);
        host.Keyrings.BlacklistModule(ModuleSigner.StripSignature(LoaderFixture.Bytes(s_sched)).Span);
        var result = host.Loader.Load(s_sched);
        Assert.False(result.Loaded);
        Assert.Contains("Key was rejected", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OutOfTreeModule_TaintsO()
    {
        var host = new LoaderFixture();
        var result = host.Loader.Load(RepoFiles.TestModule("TestOutOfTree"));
        Assert.True(result.Loaded, result.Error);
        Assert.Equal(Taint.OutOfTree, host.Loader.Taints.Flags);
        Assert.Contains("test_out_of_tree: loading out-of-tree module taints host.", host.Loader.Log);
    }

    [Fact]
    public void Load_FileSwappedAfterVerification_RunsTheVerifiedBytes()
    {
        var path = WriteTemp(LoaderFixture.Bytes(s_sched));
        var host = new LoaderFixture();
        host.Loader.AfterVerification = origin => File.WriteAllBytes(origin, LoaderFixture.Bytes(RepoFiles.TestModule("TestUnsigned")));

        var result = host.Loader.Load(path);

        Assert.True(result.Loaded, result.Error);
        Assert.Equal("sched", result.Module!.Name);          // the verified module, not the swapped-in one
        host.Session.SetEnabled("*", true);
        Assert.Equal(1, host.Hooks.SchedSwitch.ProbeCount);
        Assert.Equal(0, host.Hooks.VfsRead.ProbeCount);
        Assert.Null(host.Session.Find("test:unsigned_read"));
    }

    [Fact]
    public void Unload_Module_DetachesProbesAndTheContextIsCollected()
    {
        var host = new LoaderFixture();
        var context = host.LoadUseUnload(s_sched, () =>
        {
            host.Session.SetEnabled("all", true);
            new SimulatedKernel(host.Hooks).Run(new WorkloadOptions { Events = 1_000 });
        });

        Assert.Equal(0, host.AttachedProbes);
        Assert.Empty(host.Session.Events);
        Assert.True(LoaderFixture.Collected(context), "the module's load context is still alive after unload");
        Assert.NotEmpty(new TraceReader(host.Session).Read(consume: true)); // records outlive the module
    }

    [Fact]
    public void Unload_ExporterInUse_IsRefusedUntilTheImporterGoes()
    {
        var host = new LoaderFixture();
        Assert.True(host.Loader.Load(RepoFiles.TestModule("TestExporter")).Loaded);
        var importer = host.Loader.Load(RepoFiles.TestModule("TestImporter"));
        Assert.True(importer.Loaded, importer.Error);
        Assert.Equal(["test_exporter"], importer.Module!.Uses.ToArray());

        Assert.Equal("test_exporter: module is in use by: test_importer", host.Loader.Unload("test_exporter"));
        Assert.Null(host.Loader.Unload("test_importer"));
        Assert.Null(host.Loader.Unload("test_exporter"));
    }

    [Fact]
    public void Load_ImporterWithoutExporter_IsRefusedAsUnknownSymbol()
    {
        var result = new LoaderFixture().Loader.Load(RepoFiles.TestModule("TestImporter"));
        Assert.StartsWith("test_importer: unknown symbol ModularTrace.Module.TestExporter.IWakeupCounter", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Tighten_EnforceToPermissive_IsRefused_PermissiveToEnforceIsAllowed()
    {
        var host = new LoaderFixture(Policy.Permissive);
        Assert.Null(host.Loader.Tighten(Policy.Enforce));
        Assert.Equal("policy enforce cannot be relaxed to permissive", host.Loader.Tighten(Policy.Permissive));
        Assert.Equal(Policy.Enforce, host.Loader.Policy);
    }

    [Fact]
    public void LoadUnload_WhileHooksFireOnFourThreads_NeverFaultsAndEndsDetached()
    {
        var host = new LoaderFixture();
        host.Loader.Load(RepoFiles.TestModule("TestOutOfTree"));
        using var stop = new CancellationTokenSource();
        var kernel = new SimulatedKernel(host.Hooks);
        var firing = new Thread(() => kernel.Run(new WorkloadOptions { Cpus = 4, Events = null, Duration = TimeSpan.FromMinutes(5) }, stop.Token));
        firing.Start();
        for (var i = 0; i < 30; i++)
        {
            var loaded = host.Loader.Load(s_sched);
            Assert.True(loaded.Loaded, loaded.Error);
            host.Session.SetEnabled("sched:*", true);
            Assert.Null(host.Loader.Unload("sched"));
        }

        stop.Cancel();
        Assert.True(firing.Join(TimeSpan.FromMinutes(1)));
        Assert.Equal(1, host.AttachedProbes); // only the out-of-tree module's probe remains
        Assert.Equal(0, host.Hooks.Registry.Hooks.Sum(h => h.FaultCount));
    }

    [Fact]
    public void LoadUnload_1000Cycles_LeaveContextsAndMemoryFlat()
    {
        var host = new LoaderFixture();
        // Warm up past the removed events the session keeps decodable (4 events per cycle).
        for (var i = 0; i < 2 * TraceSession.RemovedEventsKept / 4; i++)
        {
            host.LoadUseUnload(s_sched);
        }

        LoaderFixture.LiveModuleContexts("sched");
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < 1_000; i++)
        {
            host.LoadUseUnload(s_sched);
        }

        Assert.Equal(0, LoaderFixture.LiveModuleContexts("sched"));
        var after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(after < before * 1.05 + 256 * 1024, $"managed memory grew from {before:N0} to {after:N0} bytes over 1000 cycles");
    }

    private static string ResignedWithUnknownKey(string path)
    {
        using var key = KeyGenerator.Generate(new KeyGenerationOptions { RsaKeySize = 2048, Subject = "someone else" });
        return WriteTemp(ModuleSigner.Sign(ModuleSigner.StripSignature(LoaderFixture.Bytes(path)).Span, key.PrivateKey, key.Certificate, "sha256"));
    }

    // One directory per written module (the loader looks for dependencies beside it), all removed when the test
    // process exits: before, every run left eleven directories in /tmp.
    private static readonly System.Collections.Concurrent.ConcurrentBag<string> s_temporaries = CleanedAtExit();

    private static System.Collections.Concurrent.ConcurrentBag<string> CleanedAtExit()
    {
        var bag = new System.Collections.Concurrent.ConcurrentBag<string>();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var directory in bag)
            {
                try
                {
                    Directory.Delete(directory, recursive: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Still in use or gone already: nothing more to clean.
                }
            }
        };
        return bag;
    }

    private static string WriteTemp(byte[] bytes)
    {
        var directory = Directory.CreateTempSubdirectory("mtrace-test-");
        s_temporaries.Add(directory.FullName);
        var path = Path.Combine(directory.FullName, "module.dll");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}

public sealed class PluginModeTests
{
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Load_PluginMode_RunsThroughMcMasterFromAPrivateCopyAndUnloads()
    {
        var host = new LoaderFixture();
        var result = host.Loader.Load(RepoFiles.SampleModule("Sched"), new LoadOptions { Mode = ModuleLoadMode.Plugin });
        Assert.True(result.Loaded, result.Error);
        var privateCopy = result.Module!.PrivateDirectory!;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(privateCopy));
        host.Session.SetEnabled("sched:*", true);
        Assert.Equal(1, host.Hooks.SchedSwitch.ProbeCount);
        new SimulatedKernel(host.Hooks).Run(new WorkloadOptions { Events = 1_000 });
        Assert.NotEmpty(new TraceReader(host.Session).Read(consume: true));

        Assert.Null(host.Loader.Unload("sched", out var context));
        Assert.False(Directory.Exists(privateCopy));
        Assert.True(LoaderFixture.Collected(context), "McMaster's context is still alive after unload");
    }

    [Fact]
    public void Load_PluginModeWithImports_IsRefused()
    {
        var host = new LoaderFixture();
        Assert.True(host.Loader.Load(RepoFiles.TestModule("TestExporter")).Loaded);
        var result = host.Loader.Load(RepoFiles.TestModule("TestImporter"), new LoadOptions { Mode = ModuleLoadMode.Plugin });
        Assert.Equal("test_importer: imports from test_exporter need the strict loader (--loader strict)", result.Error);
    }
}
