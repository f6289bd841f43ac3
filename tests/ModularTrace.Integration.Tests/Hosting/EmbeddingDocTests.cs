using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ModularTrace.Integration.Tests.Hosting;

/// <summary>
/// docs/embedding.md's C# blocks compile: each block follows a <c>&lt;!-- snippet: GROUP --&gt;</c> line, and the blocks
/// of a group are one compilation (web: an ASP.NET Core app with the Web SDK's implicit usings; console; module).
/// </summary>
public sealed partial class EmbeddingDocTests
{
    private static readonly string s_doc = File.ReadAllText(Path.Combine(RepoFiles.Root, "docs", "embedding.md"));

    private static readonly string[] s_webUsings =
    [
        "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Net.Http.Json", "System.Threading", "System.Threading.Tasks",
        "Microsoft.AspNetCore.Builder", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Http", "Microsoft.AspNetCore.Routing",
        "Microsoft.Extensions.Configuration", "Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Logging",
    ];

    private static readonly string[] s_consoleUsings = ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks"];

    private static List<string> Snippets(string group) =>
        [.. Snippet().Matches(s_doc).Where(m => m.Groups["group"].Value == group).Select(m => m.Groups["code"].Value)];

    [Theory]
    [InlineData("web", OutputKind.ConsoleApplication, 2)]
    [InlineData("console", OutputKind.ConsoleApplication, 1)]
    [InlineData("module", OutputKind.DynamicallyLinkedLibrary, 1)]
    public void Snippets_Compile(string group, OutputKind kind, int blocks)
    {
        var snippets = Snippets(group);
        Assert.Equal(blocks, snippets.Count);
        var usings = string.Concat((group == "web" ? s_webUsings : s_consoleUsings).Select(u => $"global using global::{u};\n"));
        var options = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = snippets.Select(code => CSharpSyntaxTree.ParseText(code, options)).Append(CSharpSyntaxTree.ParseText(usings, options));
        var compilation = CSharpCompilation.Create(
            $"EmbeddingDoc_{group}",
            trees,
            References(web: group == "web"),
            new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        var problems = emitted.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Id is not ("CS1701" or "CS1702")).Select(d => d.ToString()).ToList();
        Assert.True(emitted.Success && problems.Count == 0, $"docs/embedding.md, snippet group '{group}':\n{string.Join('\n', problems)}");
    }

    [Fact]
    public void AspNetCoreApp_EmbedsInAtMost15Lines()
    {
        var program = Snippets("web").Single(code => code.Contains("WebApplication.CreateBuilder", StringComparison.Ordinal));
        var lines = program.Split('\n').Count(line => line.Trim().Length > 0);
        Assert.InRange(lines, 1, 15);
    }

    [Fact]
    public void Readme_LinksThePageOnItsFirstScreen()
    {
        var firstScreen = File.ReadLines(Path.Combine(RepoFiles.Root, "README.md")).Take(24);
        Assert.Contains(firstScreen, line => line.Contains("(docs/embedding.md)", StringComparison.Ordinal));
    }

    // The test's own runtime, ModularTrace's assemblies beside it and, for the web group, ASP.NET Core's shared framework
    // (its Microsoft.Extensions.* replace the package copies the tests run with, as in a web project).
    private static List<MetadataReference> References(bool web)
    {
        var files = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToList();
        if (web)
        {
            var netcore = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
            var aspnet = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(netcore))!, "Microsoft.AspNetCore.App", Path.GetFileName(netcore));
            var framework = Directory.GetFiles(aspnet, "*.dll");
            var names = framework.Select(Path.GetFileName).ToHashSet(StringComparer.OrdinalIgnoreCase);
            files = [.. files.Where(f => !names.Contains(Path.GetFileName(f))), .. framework];
        }

        return [.. files.Where(f => f.EndsWith(".dll", StringComparison.Ordinal) && IsManaged(f)).Select(f => MetadataReference.CreateFromFile(f))];
    }

    private static bool IsManaged(string path)
    {
        try
        {
            System.Reflection.AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"<!-- snippet: (?<group>\w+) -->\n```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex Snippet();
}
