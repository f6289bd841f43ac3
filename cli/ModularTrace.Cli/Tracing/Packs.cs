using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using ModularTrace.Modules;
using ModularTrace.SampleHost;
using ModularTrace.Signing;

namespace ModularTrace.Cli.Tracing;

/// <summary>
/// Module packs: a definition under <c>modules/packs/NAME/pack.json</c> (profile + module list). The default pack
/// loads the modules as built; a profile's pack is built by <c>mtrace pack build</c> into <c>out/packs/NAME/</c>:
/// the same sources compiled against that profile's symvers, signed with its key, listed in a signed
/// <c>pack.index</c> (name, version, SHA-256 of each file) so a pack cannot be altered or mixed unnoticed.
/// </summary>
internal static class Packs
{
    public const string Default = "default";
    public const string IndexFile = "pack.index";

    /// <summary>The build configuration this CLI was built in; sample modules are looked for in the same one.</summary>
    public static string Configuration { get; } =
        typeof(Packs).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string ForProfile(string? profile) => profile ?? Default;

    public static IReadOnlyList<string> Names(string root)
    {
        var directory = Path.Combine(root, "modules", "packs");
        return Directory.Exists(directory)
            ? [.. Directory.GetDirectories(directory).Where(d => File.Exists(Path.Combine(d, "pack.json"))).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal)]
            : [];
    }

    public static PackDefinition Definition(string root, string pack)
    {
        var path = Path.Combine(root, "modules", "packs", pack, "pack.json");
        if (!File.Exists(path))
        {
            throw new CliException($"unknown pack '{pack}'", $"the packs are: {string.Join(", ", Names(root))}");
        }

        PackDefinition? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<PackDefinition>(CliFiles.ReadText(path), CliJson.Options);
        }
        catch (JsonException ex)
        {
            throw new CliException($"{path}: {ex.Message}");
        }

        return parsed is { Modules.Length: > 0 } ? parsed with { Name = pack } : throw new CliException($"{path}: lists no modules");
    }

    public static string PackDirectory(string root, string pack) => Path.Combine(root, "out", "packs", pack);

    /// <summary>The module files of a pack, in load order; a built pack's index is verified first.</summary>
    public static IReadOnlyList<string> ModuleFiles(string root, string pack)
    {
        var definition = Definition(root, pack);
        if (definition.Profile is null or Default)
        {
            var files = definition.Modules.Select(m => ModuleFile(root, m)).ToArray();
            var missing = files.FirstOrDefault(f => !File.Exists(f));
            return missing is null ? files : throw new CliException(
                $"pack '{pack}' is not built: {missing} does not exist",
                $"build and sign the sample modules with 'dotnet build modules/Modules.proj -c {Configuration}' (mtrace demo does it for you)");
        }

        var index = Verify(root, pack);
        return [.. index.Modules.Select(m => Path.Combine(PackDirectory(root, pack), m.File))];
    }

    public static string ModuleFile(string root, string module, string? profile = null)
    {
        var project = "ModularTrace.Module." + module;
        return profile is null or Default
            ? Path.Combine(root, "modules", project, "bin", Configuration, "net10.0", project + ".dll")
            : Path.Combine(root, "modules", project, "bin", Configuration, "profiles", profile, project + ".dll");
    }

    /// <summary>Checks a built pack: index signed by the profile's key, every file present with its recorded hash.</summary>
    public static PackIndex Verify(string root, string pack)
    {
        var definition = Definition(root, pack);
        var directory = PackDirectory(root, pack);
        var indexPath = Path.Combine(directory, IndexFile);
        if (!File.Exists(indexPath))
        {
            throw new CliException($"pack '{pack}' is not built: {indexPath} does not exist", $"build it with 'mtrace pack build {pack}'");
        }

        var profile = HostProfiles.Resolve(definition.Profile);
        var keyrings = new Keyrings([CertificateFile.Load(HostProfiles.Key(root, profile).CertificatePath)]);
        var signed = SignatureVerifier.Verify(CliFiles.ReadBytes(indexPath), keyrings);
        if (!signed.IsValid)
        {
            throw new CliException($"pack '{pack}': {IndexFile} is not signed by the {profile.Name} key: {signed.Reason} ({signed.Status.ToErrno()})", $"rebuild it with 'mtrace pack build {pack}'");
        }

        var index = JsonSerializer.Deserialize<PackIndex>(signed.Payload.Span, CliJson.Options)
            ?? throw new CliException($"pack '{pack}': {IndexFile} is empty");
        if (index.Name != pack || index.Profile != profile.Name)
        {
            throw new CliException($"pack '{pack}': the index is for pack '{index.Name}' on profile '{index.Profile}'", "packs cannot be renamed or mixed");
        }

        foreach (var module in index.Modules)
        {
            var file = Path.Combine(directory, module.File);
            if (Path.GetFileName(module.File) != module.File || !File.Exists(file))
            {
                throw new CliException($"pack '{pack}': module file {module.File} is missing");
            }

            var hash = Convert.ToHexStringLower(SHA256.HashData(CliFiles.ReadBytes(file)));
            if (hash != module.Sha256)
            {
                throw new CliException($"pack '{pack}': {module.File} does not match the signed index (sha256 {hash[..16]}..., index says {module.Sha256[..16]}...)", "a module was altered or swapped in from another pack");
            }
        }

        return index;
    }

    /// <summary>Writes and signs a pack's index.</summary>
    public static void WriteIndex(string directory, PackIndex index, DevKeyFiles key)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(index, CliJson.Options);
        using var signingKey = SigningKey.Load(key.KeyPath, key.CertificatePath);
        File.WriteAllBytes(Path.Combine(directory, IndexFile), ModuleSigner.Sign(json, signingKey.PrivateKey, signingKey.Certificate, "sha256"));
    }

    public static PackIndexEntry Entry(string file, ModuleManifest manifest) =>
        new(manifest.Name, manifest.Version, Path.GetFileName(file), Convert.ToHexStringLower(SHA256.HashData(CliFiles.ReadBytes(file))));
}

internal sealed record PackDefinition(string? Name, string? Description, string? Profile, string[] Modules);

internal sealed record PackIndex(string Name, string Profile, string Vermagic, string BuiltBy, PackIndexEntry[] Modules);

internal sealed record PackIndexEntry(string Name, string Version, string File, string Sha256);
