using System.Reflection;
using System.Runtime.Loader;
using ModularTrace.Hosting;

namespace ModularTrace.Cli.Tracing;

/// <summary>
/// A host program's hooks read from its built assembly, without running the program: the assembly is loaded into a
/// collectible context (ModularTrace's own assemblies shared with this CLI, so <c>HookRegistry</c> is one type), the
/// type its <see cref="HostHooksAttribute"/> names is created with a fresh registry, and the context is unloaded.
/// </summary>
internal static class HostAssembly
{
    public static (string Symvers, string Vermagic, int Count, HostHooks Hooks) Read(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new CliException($"hooks: {path} does not exist", "give the host's built assembly, e.g. bin/Debug/net10.0/MyService.dll");
        }

        var context = new HostContext(full);
        try
        {
            Assembly assembly;
            try
            {
                assembly = context.LoadFromAssemblyPath(full);
            }
            catch (BadImageFormatException ex)
            {
                throw new CliException($"hooks: {path} is not a .NET assembly: {ex.Message}");
            }

            try
            {
                var hooks = HostHooks.FromAssembly(assembly);
                return (hooks.FormatSymvers(), hooks.Vermagic, hooks.Registry.Count, hooks);
            }
            catch (InvalidOperationException ex)
            {
                throw new CliException($"hooks: {path}: {ex.Message}", "the hooks type needs a public constructor taking a HookRegistry that only registers hooks (docs/embedding.md)");
            }
            catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or TypeLoadException)
            {
                throw new CliException($"hooks: {path}: the hooks type cannot be created outside the host: {ex.Message}", "keep the hooks type free of the host's other dependencies: it only declares hooks");
            }
        }
        finally
        {
            context.Unload();
        }
    }

    private sealed class HostContext(string path) : AssemblyLoadContext("host-hooks", isCollectible: true)
    {
        private static readonly HashSet<string> s_cliAssemblies = new(
            ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(Path.GetFileNameWithoutExtension).OfType<string>(),
            StringComparer.OrdinalIgnoreCase);

        private readonly AssemblyDependencyResolver _resolver = new(path);

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            // ModularTrace's own assemblies and everything this CLI runs with come from the default context: one Hook type.
            if (assemblyName.Name is { } name && s_cliAssemblies.Contains(name))
            {
                return null;
            }

            return _resolver.ResolveAssemblyToPath(assemblyName) is { } file ? LoadFromAssemblyPath(file) : null;
        }
    }
}
