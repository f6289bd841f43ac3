using System.Reflection;

namespace ModularTrace.Integration.Tests;

/// <summary>Paths into the checkout the tests run from: built sample and test modules, the development key.</summary>
internal static class RepoFiles
{
    public static readonly string Root = FindRoot();

    public static readonly string Configuration =
        typeof(RepoFiles).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string DevCertificate => Path.Combine(Root, "keys", "signing_key.x509");

    public static string DevKey => Path.Combine(Root, "keys", "signing_key.pem");

    public static string SampleModule(string name) => Built(Path.Combine(Root, "modules"), name);

    public static string LabModule(string name) => Built(Path.Combine(Root, "modules", "lab"), name);

    public static string TestModule(string name) => Built(Path.Combine(Root, "tests", "TestModules"), name);

    private static string Built(string folder, string name)
    {
        var project = "ModularTrace.Module." + name;
        var path = Path.Combine(folder, project, "bin", Configuration, "net10.0", project + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built; build ModularTrace.sln first", path);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModularTrace.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("tests must run from inside the ModularTrace checkout");
    }
}

/// <summary>A fresh directory under the system's temporary folder, deleted with everything in it on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("mtrace-test-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
