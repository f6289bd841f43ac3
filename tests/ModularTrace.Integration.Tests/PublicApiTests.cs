using System.Reflection;

namespace ModularTrace.Integration.Tests;

/// <summary>
/// Every shipped library declares its public API in PublicAPI.Shipped.txt/Unshipped.txt, which the build's
/// PublicApiAnalyzers hold the code to (RS0016/RS0017). This checks the other side: the files exist for each
/// library, and every public type the compiled assembly exports is declared, so turning the analyzer off for a
/// project, or a file drifting from the code, does not pass silently.
/// </summary>
public sealed class PublicApiTests
{
    public static TheoryData<string, string> Libraries => new()
    {
        { "core/ModularTrace.Hooks", typeof(ModularTrace.Hooks.Hook).Assembly.Location },
        { "core/ModularTrace.Tracing", typeof(ModularTrace.Events.TraceSession).Assembly.Location },
        { "core/ModularTrace.Output", typeof(ModularTrace.Output.TraceReader).Assembly.Location },
        { "core/ModularTrace.Contract", typeof(ModularTrace.Modules.ITraceModule).Assembly.Location },
        { "core/ModularTrace.Loader", typeof(ModularTrace.Modules.ModuleLoader).Assembly.Location },
        { "core/ModularTrace.Control", typeof(ModularTrace.Control.ControlServer).Assembly.Location },
        { "core/ModularTrace.Hosting", typeof(ModularTrace.Hosting.ModularTraceHost).Assembly.Location },
        { "core/ModularTrace.Runtime", typeof(ModularTrace.Runtime.RuntimeHooks).Assembly.Location },
        { "signing/ModularTrace.Signing", typeof(ModularTrace.Signing.ModuleSigner).Assembly.Location },
    };

    [Theory]
    [MemberData(nameof(Libraries))]
    public void EveryExportedType_IsDeclaredInThePublicApiFiles(string project, string assemblyPath)
    {
        var directory = Path.Combine(RepoFiles.Root, project);
        var declared = File.ReadAllLines(Path.Combine(directory, "PublicAPI.Shipped.txt"))
            .Concat(File.ReadAllLines(Path.Combine(directory, "PublicAPI.Unshipped.txt")))
            .Where(line => !line.StartsWith('#'))
            .ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(declared);

        var assembly = Assembly.LoadFrom(assemblyPath);
        var missing = assembly.GetExportedTypes()
            .Select(type => type.FullName!.Replace('+', '.'))
            .Select(name => name.Contains('`', StringComparison.Ordinal) ? name[..name.IndexOf('`', StringComparison.Ordinal)] : name)
            .Where(name => !declared.Any(line => Declares(line, name)))
            .ToList();
        Assert.True(missing.Count == 0, $"{project}: public types missing from PublicAPI.*.txt: {string.Join(", ", missing)}");
    }

    // A type is declared by its own line ("[modifiers] Name" or "Name<T>") or by any member line ("Name.Member...").
    private static bool Declares(string line, string name)
    {
        var at = line.IndexOf(name, StringComparison.Ordinal);
        return at >= 0
            && (at == 0 || line[at - 1] == ' ')
            && (at + name.Length == line.Length || line[at + name.Length] is '.' or '<' or ' ');
    }
}
