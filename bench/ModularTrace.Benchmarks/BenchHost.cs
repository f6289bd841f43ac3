using System.Reflection;
using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;
using ModularTrace.SampleHost;
using ModularTrace.Signing;

namespace ModularTrace.Benchmarks;

/// <summary>Paths and a host (hooks + session + loader trusting the development key), as the integration tests assemble them.</summary>
internal static class BenchHost
{
    public static readonly string Root = FindRoot();

    public static string DevCertificate => Path.Combine(Root, "keys", "signing_key.x509");

    public static string DevKey => Path.Combine(Root, "keys", "signing_key.pem");

    /// <summary>
    /// The signed sample module built for this host's vermagic: Release first, then Debug. A module built from another
    /// commit is refused by the loader (vermagic), so a stale build is reported here rather than benchmarked.
    /// </summary>
    public static string SampleModule(string name)
    {
        var project = "ModularTrace.Module." + name;
        var tried = new List<string>();
        foreach (var configuration in new[] { "Release", "Debug" })
        {
            var path = Path.Combine(Root, "modules", project, "bin", configuration, "net10.0", project + ".dll");
            if (!File.Exists(path))
            {
                tried.Add(path + " (missing)");
                continue;
            }

            var manifest = ModuleManifestReader.TryRead(ModuleSigner.StripSignature(File.ReadAllBytes(path)), out _);
            if (manifest?.Vermagic == VerMagic.Host)
            {
                return path;
            }

            tried.Add($"{path} (vermagic '{manifest?.Vermagic}', host '{VerMagic.Host}')");
        }

        throw new FileNotFoundException($"no {project}.dll built for this host; run 'dotnet build ModularTrace.sln -c Release'. Tried: {string.Join("; ", tried)}");
    }

    public static Keyrings DevKeyrings() => new([CertificateFile.Load(DevCertificate)]);

    public static (KernelHooks Hooks, TraceSession Session, ModuleLoader Loader) NewLoader(TraceOptions? options = null)
    {
        var hooks = new KernelHooks(new HookRegistry());
        var session = new TraceSession(options);
        return (hooks, session, new ModuleLoader(hooks.Registry, session, DevKeyrings(), Policy.Enforce));
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory, Path.GetDirectoryName(Assembly.GetExecutingAssembly().Location) ?? "." })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ModularTrace.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("run the benchmarks from inside the ModularTrace checkout");
    }
}
