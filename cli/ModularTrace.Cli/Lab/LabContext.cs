using ModularTrace.Buffers;
using ModularTrace.Cli.Tracing;
using ModularTrace.Events;
using ModularTrace.Modules;
using ModularTrace.Output;
using ModularTrace.SampleHost;
using ModularTrace.Signing;

namespace ModularTrace.Cli.Lab;

/// <summary>What scenarios share: the checkout, built packs, hosts made per profile.</summary>
internal sealed class LabContext(string root, TextWriter progress)
{
    public static readonly string[] Distributions = ["debian", "ubuntu", "fedora"];

    public string Root { get; } = root;

    public TextWriter Progress { get; } = progress;

    /// <summary>The pack's module files, building the pack first if it is not built or no longer matches this host build.</summary>
    public IReadOnlyList<string> Pack(string pack)
    {
        try
        {
            var files = Packs.ModuleFiles(Root, pack);
            var manifest = Manifest(files[0]);
            var profile = HostProfiles.Resolve(Packs.Definition(Root, pack).Profile);
            if (manifest.Vermagic == HostProfiles.Vermagic(profile))
            {
                return files;
            }
        }
        catch (CliException)
        {
            // not built yet: build it below
        }

        Progress.WriteLine($"lab: building pack {pack} (mtrace pack build {pack})");
        var status = CliApp.Run(Program(), ["pack", "build", pack], TextWriter.Null, Progress);
        return status == 0 ? Packs.ModuleFiles(Root, pack) : throw new CliException($"lab: building pack {pack} failed");
    }

    /// <summary>A module under modules/lab/, built on demand.</summary>
    public string LabModule(string module)
    {
        var project = "ModularTrace.Module." + module;
        var file = Path.Combine(Root, "modules", "lab", project, "bin", Packs.Configuration, "net10.0", project + ".dll");
        if (!File.Exists(file) || Manifest(file).Vermagic != ModularTrace.Modules.VerMagic.Host)
        {
            // modules/Modules.proj builds it with the sample modules (demo does), so this is the exception. The Core and
            // CLI it references are the ones running now: build the module alone (BuildProjectReferences=false), not
            // them again (that check made crc-off take 92 s of 'lab all''s 95).
            Progress.WriteLine($"lab: building {project}");
            ModuleBuild.Build(Root, Path.Combine("modules", "lab", project, project + ".csproj"), Progress, "-p:BuildProjectReferences=false");
        }

        return file;
    }

    public string PackModule(string pack, string module) => Pack(pack).Single(f => Path.GetFileName(f) == $"ModularTrace.Module.{module}.dll");

    public Keyrings ProfileKeyrings(string profile) =>
        new([CertificateFile.Load(HostProfiles.Key(Root, HostProfiles.Resolve(profile)).CertificatePath)]);

    public static TraceHost Host(string profile, Policy policy, Keyrings keyrings, TraceOptions? options = null) =>
        new(profile, policy, keyrings, options ?? new TraceOptions(), TextWriter.Null);

    public static ModuleManifest Manifest(string file) =>
        ModuleManifestReader.TryRead(ModuleSigner.StripSignature(File.ReadAllBytes(file)), out var error) ?? throw new CliException($"{file}: {error}");

    /// <summary>Enables everything, runs the workload, drains the buffers.</summary>
    public static List<TraceRecord> Record(TraceHost host, long events = 4_000, string selector = "all")
    {
        host.Session.SetEnabled(selector, true);
        host.Kernel.Run(new WorkloadOptions { Events = events, Seed = 7 });
        return new TraceReader(host.Session).Read(consume: true);
    }

    public static string Outcome(ModuleLoadResult result) => result.Loaded
        ? $"loaded (taints {(result.Module!.Taints == Taint.None ? "none" : TaintSet.Letters(result.Module.Taints))})"
        : $"refused: {result.Error}";

    private static System.CommandLine.RootCommand Program()
    {
        var root = new System.CommandLine.RootCommand();
        root.Subcommands.Add(Commands.PackCommand.Create());
        return root;
    }
}
