using System.Reflection;
using ModularTrace.Cli.Tracing;
using ModularTrace.Hosting;
using ModularTrace.Modules;
using ModularTrace.Signing;

namespace ModularTrace.Integration.Tests.Hosting;

/// <summary>
/// A pack for a host of one's own, in the layout <c>mtrace pack build NAME --symvers FILE</c> writes (the modules and a
/// pack.index signed with the host's key), loaded at start through ModularTrace:Pack; and the CLI's refusals before it
/// builds anything.
/// </summary>
public sealed class HostPackTests : IDisposable
{
    private static readonly string s_keys = Path.Combine(SampleService.ProjectDirectory, "keys");
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private string Pack => Path.Combine(_directory.Path, "pack");

    private static HostHooks ServiceHooks() => HostHooks.FromAssembly(Assembly.LoadFrom(SampleService.Assembly));

    private void WritePack(string vermagic)
    {
        Directory.CreateDirectory(Pack);
        var file = Path.Combine(Pack, Path.GetFileName(SampleService.Module));
        File.Copy(SampleService.Module, file);
        var manifest = ModuleManifestReader.TryRead(ModuleSigner.StripSignature(File.ReadAllBytes(file)), out var error) ?? throw new InvalidOperationException(error);
        Packs.WriteIndex(Pack, new ModularTrace.Cli.Tracing.PackIndex("service", "host", vermagic, VerMagic.Host, [Packs.Entry(file, manifest)]),
            new DevKeyFiles(Path.Combine(s_keys, "signing_key.pem"), Path.Combine(s_keys, "signing_key.x509"), false));
    }

    private ModularTraceOptions Options(string policy = "enforce") => new()
    {
        Policy = policy,
        Pack = Pack,
        Certificates = [Path.Combine(s_keys, "signing_key.x509")],
        Socket = new ModularTraceSocketOptions { Enabled = false },
    };

    [Fact]
    public async Task SignedPack_ForTheHostsVermagic_LoadsAtStart()
    {
        var hooks = ServiceHooks();
        WritePack(hooks.Vermagic);
        await using var host = ModularTraceHost.Start(hooks, Options(), _directory.Path);
        var module = Assert.Single(host.Loader.Modules);
        Assert.Equal("service", module.Name);
        Assert.Equal(4, host.Session.Events.Count);
    }

    [Fact]
    public async Task AlteredModule_UnderEnforce_RefusesToStart_UnderPermissive_StartsWithoutIt()
    {
        var hooks = ServiceHooks();
        WritePack(hooks.Vermagic);
        var file = Path.Combine(Pack, Path.GetFileName(SampleService.Module));
        var bytes = File.ReadAllBytes(file);
        bytes[^40] ^= 1;
        File.WriteAllBytes(file, bytes);

        var ex = Assert.Throws<ModularTraceStartException>(() => ModularTraceHost.Start(hooks, Options(), _directory.Path));
        Assert.Equal($"modulartrace: pack {Pack}: ModularTrace.Module.SampleService.dll does not match the signed index; refusing to start (policy enforce)", ex.Message);

        var log = new List<string>();
        await using var started = ModularTraceHost.Start(hooks, Options("permissive"), _directory.Path, log.Add);
        Assert.Empty(started.Loader.Modules);
        Assert.Contains($"modulartrace: pack {Pack}: ModularTrace.Module.SampleService.dll does not match the signed index; starting without it (policy permissive)", log);
    }

    [Fact]
    public void PackForAnotherVermagic_OrByAnUntrustedKey_IsRefused()
    {
        var hooks = ServiceHooks();
        WritePack("otherapp 9.9.9+0 net10.0 mod_unload modversions");
        var ex = Assert.Throws<ModularTraceStartException>(() => ModularTraceHost.Start(hooks, Options(), _directory.Path));
        Assert.Equal($"modulartrace: pack {Pack} was built for vermagic 'otherapp 9.9.9+0 net10.0 mod_unload modversions', this host is '{hooks.Vermagic}'; refusing to start (policy enforce)", ex.Message);

        var untrusted = Options();
        untrusted.Certificates = [];
        var refused = Assert.Throws<ModularTraceStartException>(() => ModularTraceHost.Start(hooks, untrusted, _directory.Path));
        Assert.StartsWith($"modulartrace: pack {Pack}: pack.index is not signed by a trusted key: ", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CliPackBuild_ForAHost_RefusesBadInputBeforeBuilding()
    {
        var symvers = Path.Combine(_directory.Path, "Module.symvers");
        File.WriteAllText(symvers, "0x1\tmyapp\tmyapp()\n");
        var malformed = Mtrace.Run("pack", "build", "mypack", "--symvers", symvers, "--vermagic", "v", "--key", "k.pem", "--cert", "c.x509", "--project", "p.csproj", "--out", Pack);
        Assert.Equal(1, malformed.ExitCode);
        Assert.StartsWith($"mtrace: pack build: {symvers}:1: CRC 0x1 is not the CRC of 'myapp()'", malformed.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Pack), "nothing is written");

        var noKey = Mtrace.Run("pack", "build", "mypack", "--symvers", symvers, "--project", "p.csproj");
        Assert.Equal(2, noKey.ExitCode);
        Assert.StartsWith("mtrace: pack build: --symvers needs --key\n", noKey.Stderr, StringComparison.Ordinal);

        var stray = Mtrace.Run("pack", "build", "default", "--key", "k.pem");
        Assert.Equal(2, stray.ExitCode);
        Assert.StartsWith("mtrace: pack build: --key needs --symvers\n", stray.Stderr, StringComparison.Ordinal);
    }
}
