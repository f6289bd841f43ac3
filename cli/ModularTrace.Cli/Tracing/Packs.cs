using System.Reflection;
using System.Text.Json;

namespace ModularTrace.Cli.Tracing;

/// <summary>Module packs defined under <c>modules/packs/NAME/pack.json</c>, resolved to the built, signed module files.</summary>
internal static class Packs
{
    public const string Default = "default";

    /// <summary>The build configuration this CLI was built in; sample modules are looked for in the same one.</summary>
    public static string Configuration { get; } =
        typeof(Packs).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static IReadOnlyList<string> Names(string root)
    {
        var directory = Path.Combine(root, "modules", "packs");
        return Directory.Exists(directory)
            ? [.. Directory.GetDirectories(directory).Where(d => File.Exists(Path.Combine(d, "pack.json"))).Select(Path.GetFileName).Order(StringComparer.Ordinal)!]
            : [];
    }

    /// <summary>The module files of a pack, in load order; every one must exist.</summary>
    public static IReadOnlyList<string> ModuleFiles(string root, string pack)
    {
        var definition = Path.Combine(root, "modules", "packs", pack, "pack.json");
        if (!File.Exists(definition))
        {
            throw new CliException($"unknown pack '{pack}'", $"the packs are: {string.Join(", ", Names(root))}");
        }

        PackDefinition? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<PackDefinition>(File.ReadAllText(definition), CliJson.Options);
        }
        catch (JsonException ex)
        {
            throw new CliException($"{definition}: {ex.Message}");
        }

        if (parsed?.Modules is not { Length: > 0 } modules)
        {
            throw new CliException($"{definition}: lists no modules");
        }

        var files = modules.Select(m => ModuleFile(root, m)).ToArray();
        var missing = files.Where(f => !File.Exists(f)).ToArray();
        if (missing.Length > 0)
        {
            throw new CliException(
                $"pack '{pack}' is not built: {missing[0]} does not exist",
                $"build and sign the sample modules with 'dotnet build modules/Modules.proj -c {Configuration}' (mtrace demo does it for you)");
        }

        return files;
    }

    public static string ModuleFile(string root, string module)
    {
        var project = "ModularTrace.Module." + module;
        return Path.Combine(root, "modules", project, "bin", Configuration, "net10.0", project + ".dll");
    }

    private sealed record PackDefinition(string? Name, string? Description, string[]? Modules);
}
