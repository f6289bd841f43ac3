using System.Text.Json;
using ModularTrace.Abi;
using ModularTrace.Events;
using ModularTrace.Modules;
using ModularTrace.SampleHost;
using ModularTrace.Signing;

namespace ModularTrace.Cli.Tracing;

/// <summary>Turns an <c>abi diff</c> side into a snapshot: <c>profile:NAME</c>, <c>pack:NAME</c>, a saved JSON snapshot, or a module file.</summary>
internal static class AbiSources
{
    public static AbiSnapshot Resolve(string side)
    {
        ArgumentNullException.ThrowIfNull(side);
        if (side.StartsWith("profile:", StringComparison.Ordinal))
        {
            var profile = HostProfiles.Resolve(side["profile:".Length..]);
            var hooks = HostProfiles.CreateHooks(profile.Name);
            return AbiSnapshot.Capture(side, profile.Name, HostProfiles.Vermagic(profile), hooks.Registry, [], new TraceSession());
        }

        if (side.StartsWith("pack:", StringComparison.Ordinal))
        {
            var root = RepoPaths.RequireRoot("a saved snapshot (mtrace events --json) instead");
            var pack = side["pack:".Length..];
            var profile = HostProfiles.Resolve(Packs.Definition(root, pack).Profile);
            var keyrings = new Keyrings([CertificateFile.Load(HostProfiles.Key(root, profile).CertificatePath)]);
            return Capture(side, profile, Policy.Enforce, keyrings, Packs.ModuleFiles(root, pack));
        }

        if (!File.Exists(side))
        {
            throw new CliException($"abi diff: '{side}' is neither profile:NAME, pack:NAME nor an existing file", "see 'mtrace abi diff --help'", ExitCodes.Usage);
        }

        if (side.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                return JsonSerializer.Deserialize<AbiSnapshot>(CliFiles.ReadText(side), CliJson.Options)
                    ?? throw new CliException($"{side}: empty snapshot");
            }
            catch (JsonException ex)
            {
                throw new CliException($"{side}: not a snapshot saved by 'mtrace events --json': {ex.Message}");
            }
        }

        // A module file: load it into a host of the profile it was built for, to see the events it defines.
        var manifest = ModuleManifestReader.TryRead(ModuleSigner.StripSignature(CliFiles.ReadBytes(side)), out var error)
            ?? throw new CliException($"{side}: {error}");
        var match = HostProfile.All.FirstOrDefault(p => HostProfiles.Vermagic(p) == manifest.Vermagic)
            ?? throw new CliException($"{side}: built for vermagic '{manifest.Vermagic}', which no host profile has", "'mtrace hooks --profiles' lists the profiles");
        return Capture(side, match, Policy.Permissive, new Keyrings(), [side]);
    }

    public static AbiSnapshot Capture(string source, HostProfile profile, Policy policy, Keyrings keyrings, IEnumerable<string> modules)
    {
        var host = new TraceHost(profile.Name, policy, keyrings, new TraceOptions(), TextWriter.Null);
        host.Load(modules, new LoadOptions());
        return AbiSnapshot.Capture(
            source,
            profile.Name,
            host.Loader.HostVermagic,
            host.Hooks.Registry,
            host.Loader.Modules.Select(m => new AbiModule(m.Name, m.Manifest.Version, m.Manifest.Vermagic, m.Signature.Signer)),
            host.Session);
    }
}
