using System.Text;
using ModularTrace.Modules;
using ModularTrace.SampleHost;
using ModularTrace.Signing;

namespace ModularTrace.Integration.Tests.Modules;

/// <summary>
/// The loader attacks of NOTES-RELIABILITY §1 that <see cref="ModuleLoaderTests"/> does not cover: side-loading,
/// another profile's module under a local name, rollback, symlinks, and concurrent loads and unloads.
/// </summary>
[Collection(ModuleLoadingGroup.Name)]
public sealed class ModuleAttackTests : IDisposable
{
    private static readonly string s_sched = RepoFiles.SampleModule("Sched");
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mtrace-attack-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_dir.FullName, name);

    [Fact]
    public void Load_UnsignedDependencyBesideSignedModule_IsRefusedNamingTheAssembly()
    {
        var host = new LoaderFixture();
        var module = RepoFiles.TestModule("TestWithDependency");
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(module)!, "ModularTrace.TestDependency.dll")));

        var result = host.Loader.Load(module);

        Assert.False(result.Loaded);
        Assert.StartsWith("test_with_dependency: dependency ModularTrace.TestDependency.dll is not trusted: ", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, host.AttachedProbes);
        Assert.Equal(0, LoaderFixture.LiveModuleContexts("test_with_dependency"));
    }

    [Fact]
    public void Load_UnsignedDependency_UnderPermissive_LoadsTaintedE()
    {
        var host = new LoaderFixture(Policy.Permissive);
        var result = host.Loader.Load(RepoFiles.TestModule("TestWithDependency"));
        Assert.True(result.Loaded, result.Error);
        Assert.True(result.Module!.Taints.HasFlag(Taint.UnsignedModule));
    }

    [Fact]
    public void Load_DependencySignedByTrustedKey_LoadsUnderEnforce()
    {
        var module = RepoFiles.TestModule("TestWithDependency");
        File.Copy(module, PathOf(Path.GetFileName(module)));
        var dependency = Path.Combine(Path.GetDirectoryName(module)!, "ModularTrace.TestDependency.dll");
        File.WriteAllBytes(PathOf("ModularTrace.TestDependency.dll"), SignWithDevKey(File.ReadAllBytes(dependency)));
        var host = new LoaderFixture();

        var result = host.Loader.Load(PathOf(Path.GetFileName(module)));

        Assert.True(result.Loaded, result.Error);
        Assert.Equal(1, host.Hooks.VfsRead.ProbeCount);
    }

    [Fact]
    public void Load_DependencyMissing_IsRefusedNamingTheAssembly()
    {
        var module = RepoFiles.TestModule("TestWithDependency");
        File.Copy(module, PathOf("lonely.dll"));
        var result = new LoaderFixture(Policy.Permissive).Loader.Load(PathOf("lonely.dll"));
        Assert.False(result.Loaded);
        Assert.StartsWith("test_with_dependency: dependency ModularTrace.TestDependency is neither a host assembly nor a loaded module", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DependencyWithPayloadFlipped_IsRefusedEvenUnderPermissive()
    {
        var module = RepoFiles.TestModule("TestWithDependency");
        File.Copy(module, PathOf(Path.GetFileName(module)));
        var signed = SignWithDevKey(File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(module)!, "ModularTrace.TestDependency.dll")));
        signed[signed.Length / 4] ^= 0x20;
        File.WriteAllBytes(PathOf("ModularTrace.TestDependency.dll"), signed);

        var result = new LoaderFixture(Policy.Permissive).Loader.Load(PathOf(Path.GetFileName(module)));

        Assert.False(result.Loaded);
        Assert.Contains("dependency ModularTrace.TestDependency.dll is not trusted", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("debian")]
    [InlineData("ubuntu")]
    [InlineData("fedora")]
    public void Load_ModuleOfAnotherProfileRenamedToLookLocal_IsRefusedOnVermagic(string profile)
    {
        // The module's identity is its manifest, not its file name: renaming the file changes nothing the loader trusts.
        var hostVermagic = HostProfile.Find(profile)!.Vermagic!;
        File.Copy(s_sched, PathOf("vfs.dll"));
        var host = new LoaderFixture();
        var loader = new ModuleLoader(host.Hooks.Registry, host.Session, host.Keyrings, Policy.Enforce) { HostVermagic = hostVermagic };

        var result = loader.Load(PathOf("vfs.dll"));

        Assert.Equal($"sched: version magic '{VerMagic.Host}' should be '{hostVermagic}'", result.Error);
    }

    [Fact]
    public void Load_UnsignedModuleRenamedAsASignedOne_IsRefusedUnderItsOwnName()
    {
        File.Copy(RepoFiles.TestModule("TestUnsigned"), PathOf("ModularTrace.Module.Sched.dll"));
        var result = new LoaderFixture().Loader.Load(PathOf("ModularTrace.Module.Sched.dll"));
        Assert.Equal("Loading of unsigned module test_unsigned is rejected", result.Error);
    }

    [Fact]
    public void Load_OlderSignedVersionAfterANewerOne_IsRefusedAsRollback()
    {
        File.WriteAllBytes(PathOf("sched-old.dll"), WithVersion(s_sched, "1.0.0", "0.9.0"));
        var host = new LoaderFixture();
        Assert.True(host.Loader.Load(s_sched).Loaded);
        Assert.Null(host.Loader.Unload("sched"));

        var result = host.Loader.Load(PathOf("sched-old.dll"));

        Assert.Equal("sched: version 0.9.0 is older than version 1.0.0 loaded earlier by this host (rollback refused, EPERM)", result.Error);
        Assert.Equal(0, host.AttachedProbes);
    }

    [Fact]
    public void Load_NewerSignedVersionAfterAnOlderOne_IsAnUpgradeAndLoads()
    {
        File.WriteAllBytes(PathOf("sched-old.dll"), WithVersion(s_sched, "1.0.0", "0.9.0"));
        var host = new LoaderFixture();
        var old = host.Loader.Load(PathOf("sched-old.dll"));
        Assert.True(old.Loaded, old.Error);
        Assert.Equal("0.9.0", old.Module!.Manifest.Version);
        Assert.Null(host.Loader.Unload("sched"));

        var result = host.Loader.Load(s_sched);
        Assert.True(result.Loaded, result.Error);

        Assert.Null(host.Loader.Unload("sched"));
        Assert.True(host.Loader.Load(s_sched).Loaded); // the same version again is a reload, not a rollback
    }

    [Fact]
    public void Load_SymlinkToASignedModuleOutside_IsFollowedAndTheSignatureDecides()
    {
        File.CreateSymbolicLink(PathOf("sched.dll"), s_sched);
        var result = new LoaderFixture().Loader.Load(PathOf("sched.dll"));
        Assert.True(result.Loaded, result.Error);
        Assert.Equal("sched", result.Module!.Name);
    }

    [Fact]
    public void Load_SymlinkToAnUnsignedModule_IsRefusedAsUnsigned()
    {
        File.CreateSymbolicLink(PathOf("sched.dll"), RepoFiles.TestModule("TestUnsigned"));
        var result = new LoaderFixture().Loader.Load(PathOf("sched.dll"));
        Assert.Equal("Loading of unsigned module test_unsigned is rejected", result.Error);
    }

    [Fact]
    public void Load_SymlinkedModule_LooksForDependenciesBesideTheLinkNotTheTarget()
    {
        // The link's folder has no dependency, the target's folder has an unsigned one: neither is trusted.
        File.CreateSymbolicLink(PathOf("with_dependency.dll"), RepoFiles.TestModule("TestWithDependency"));
        var result = new LoaderFixture().Loader.Load(PathOf("with_dependency.dll"));
        Assert.False(result.Loaded);
        Assert.Contains("ModularTrace.TestDependency.dll beside it cannot be read", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SameModuleFromSixteenThreadsAtOnce_ExactlyOneLoadsTheRestAreEexist()
    {
        var host = new LoaderFixture();
        const int Threads = 16;
        using var start = new Barrier(Threads);
        var results = new ModuleLoadResult[Threads];
        var threads = Enumerable.Range(0, Threads).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            results[i] = host.Loader.Load(s_sched);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Single(results, r => r.Loaded);
        Assert.All(results.Where(r => !r.Loaded), r => Assert.Equal("sched: module is already loaded (EEXIST)", r.Error));
        host.Session.SetEnabled("sched:*", true);
        Assert.Equal(1, host.Hooks.SchedSwitch.ProbeCount);
        Assert.Single(host.Loader.Modules);
    }

    [Fact]
    public void LoadDuringUnload_FiftyRaces_EndEitherLoadedOnceOrNotAtAll()
    {
        var host = new LoaderFixture();
        var loadedAgain = 0;
        for (var round = 0; round < 50; round++)
        {
            Assert.True(host.Loader.Load(s_sched).Loaded);
            host.Session.SetEnabled("sched:*", true); // the unloading instance has its probes on the hooks
            using var start = new Barrier(2);
            string? unload = "not run";
            ModuleLoadResult? load = null;
            var unloader = new Thread(() =>
            {
                start.SignalAndWait();
                unload = host.Loader.Unload("sched");
            });
            var loader = new Thread(() =>
            {
                start.SignalAndWait();
                load = host.Loader.Load(s_sched);
            });
            unloader.Start();
            loader.Start();
            unloader.Join();
            loader.Join();

            Assert.Null(unload);
            Assert.True(load!.Loaded || load.Error == "sched: module is already loaded (EEXIST)", load.Error);
            host.Session.SetEnabled("sched:*", true); // a new instance's probes go on; none of the old one's may stay
            Assert.Equal(load.Loaded ? 1 : 0, host.Hooks.SchedSwitch.ProbeCount);
            Assert.Equal(load.Loaded ? 1 : 0, host.Loader.Modules.Length);
            if (load.Loaded)
            {
                loadedAgain++;
                Assert.Null(host.Loader.Unload("sched"));
            }
        }

        Assert.Equal(0, host.AttachedProbes);
        Assert.Equal(0, host.Hooks.Registry.Hooks.Sum(h => h.FaultCount));
        Assert.InRange(loadedAgain, 0, 50);
    }

    private static byte[] SignWithDevKey(byte[] payload)
    {
        using var key = SigningKey.Load(RepoFiles.DevKey, RepoFiles.DevCertificate);
        return ModuleSigner.Sign(payload, key.PrivateKey, key.Certificate, "sha256");
    }

    /// <summary>The module with its TraceModule Version rewritten in the metadata, re-signed by the trusted key: a genuine older release.</summary>
    private static byte[] WithVersion(string path, string from, string to)
    {
        Assert.Equal(from.Length, to.Length);
        var payload = ModuleSigner.StripSignature(File.ReadAllBytes(path)).ToArray();
        // A custom attribute's named argument: length-prefixed name "Version", then the length-prefixed UTF-8 value.
        byte[] needle = [7, .. "Version"u8, (byte)from.Length, .. Encoding.UTF8.GetBytes(from)];
        var at = payload.AsSpan().IndexOf(needle);
        Assert.True(at >= 0, $"no Version = \"{from}\" in {path}");
        Encoding.UTF8.GetBytes(to).CopyTo(payload, at + 9);
        return SignWithDevKey(payload);
    }
}
