using System.Reflection;
using ModularTrace.Hooks;
using ModularTrace.Modules;

namespace ModularTrace.Hosting;

/// <summary>A host's hooks, declared by its hooks type into a registry, with the host's vermagic.</summary>
/// <param name="Declaration">The hooks type's instance (the host fires its hooks through it).</param>
/// <param name="Registry">The registry it declared them in.</param>
/// <param name="Vermagic">The vermagic modules built for this host carry.</param>
public sealed record HostHooks(object Declaration, HookRegistry Registry, string Vermagic)
{
    /// <summary>The host's <c>Module.symvers</c> file name (the kernel's).</summary>
    public const string SymversFileName = "Module.symvers";

    /// <summary>The file beside it holding the vermagic, one line (the kernel's <c>include/config/kernel.release</c>).</summary>
    public const string VermagicFileName = "Module.vermagic";

    /// <summary>Declares <paramref name="hooksType"/>'s hooks into a new registry.</summary>
    /// <exception cref="InvalidOperationException">The type has no public constructor taking a <see cref="HookRegistry"/>, or it threw.</exception>
    public static HostHooks Declare(Type hooksType)
    {
        ArgumentNullException.ThrowIfNull(hooksType);
        var constructor = hooksType.GetConstructor([typeof(HookRegistry)]) ?? throw new InvalidOperationException(
            $"Hooks type '{hooksType.FullName}' has no public constructor taking a HookRegistry; declare the hooks in one (docs/embedding.md).");
        var registry = new HookRegistry();
        object declaration;
        try
        {
            declaration = constructor.Invoke([registry]);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is { } inner)
        {
            throw new InvalidOperationException($"Hooks type '{hooksType.FullName}' failed to declare its hooks: {inner.GetType().Name}: {inner.Message}", inner);
        }

        return new HostHooks(declaration, registry, VermagicOf(hooksType.Assembly));
    }

    /// <summary>Declares the hooks of the type an assembly names with <see cref="HostHooksAttribute"/>.</summary>
    /// <exception cref="InvalidOperationException">The assembly names no hooks type, or it cannot declare its hooks.</exception>
    public static HostHooks FromAssembly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var attribute = assembly.GetCustomAttribute<HostHooksAttribute>() ?? throw new InvalidOperationException(
            $"Assembly '{assembly.GetName().Name}' names no hooks type; add [assembly: ModularTrace.Hosting.HostHooks(typeof(YourHooks))] (docs/embedding.md).");
        return Declare(attribute.HooksType);
    }

    /// <summary>
    /// The vermagic of a host assembly: its <see cref="HostHooksAttribute.Vermagic"/> if set, else composed from its
    /// informational version as <see cref="VerMagic.Compose"/> does (<c>+unknown</c> without a commit).
    /// </summary>
    public static string VermagicOf(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        if (assembly.GetCustomAttribute<HostHooksAttribute>()?.Vermagic is { Length: > 0 } set)
        {
            return set;
        }

        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "0.0.0";
        return VerMagic.Compose(version);
    }

    /// <summary>The hooks' <c>Module.symvers</c> text.</summary>
    public string FormatSymvers() => Registry.ToSymvers().Format();

    /// <summary>Writes <c>Module.symvers</c> and <c>Module.vermagic</c> into <paramref name="directory"/>, each only when it changed.</summary>
    /// <returns>The symvers file's path.</returns>
    public string WriteSymvers(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        var symvers = Path.Combine(directory, SymversFileName);
        WriteIfChanged(symvers, FormatSymvers());
        WriteIfChanged(Path.Combine(directory, VermagicFileName), Vermagic + "\n");
        return symvers;
    }

    // Unchanged files keep their time stamps, so module builds that take them as inputs stay incremental.
    private static void WriteIfChanged(string path, string content)
    {
        if (!File.Exists(path) || File.ReadAllText(path) != content)
        {
            File.WriteAllText(path, content);
        }
    }
}
