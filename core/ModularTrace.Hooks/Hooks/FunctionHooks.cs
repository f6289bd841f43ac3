using System.Reflection;

namespace ModularTrace.Hooks;

/// <summary>
/// Function entry hooks: hooks the weaver (<c>core/ModularTrace.Weaver</c>) adds at the start of every eligible method
/// of a type marked <see cref="EntryHooksAttribute"/>, seed 001's "function events" on .NET.
/// </summary>
/// <remarks>
/// The weaver adds to the woven assembly an internal class <see cref="GeneratedTypeName"/> with one static hook field
/// per woven method and a static <c>Register(HookRegistry)</c> method. Until <see cref="Register"/> runs, each field
/// holds a hook in no registry, so a woven method costs a static load, a field load and one branch. Registering
/// creates new hooks in the given registry and publishes them into the fields: the woven methods fire the hooks of
/// the registry registered last (a host has one registry per process).
/// </remarks>
public static class FunctionHooks
{
    /// <summary>The prefix of every function hook's name.</summary>
    public const string Prefix = "fn_";

    /// <summary>The full name of the class the weaver generates in a woven assembly.</summary>
    public const string GeneratedTypeName = "ModularTrace.Generated.EntryHooks";

    /// <summary>The name of the generated registration method, <c>static int Register(HookRegistry)</c>.</summary>
    public const string RegisterMethodName = "Register";

    /// <summary>The hook name of a method: <c>fn_</c> and the qualified name with dots as underscores.</summary>
    /// <example><c>ModularTrace.SampleHost.SimulatedVfs.Open</c> is <c>fn_ModularTrace_SampleHost_SimulatedVfs_Open</c>.</example>
    public static string HookName(string qualifiedMethod)
    {
        ArgumentNullException.ThrowIfNull(qualifiedMethod);
        return Prefix + qualifiedMethod.Replace('.', '_');
    }

    /// <summary>Whether <paramref name="assembly"/> was woven (holds the generated class).</summary>
    public static bool IsWoven(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return assembly.GetType(GeneratedTypeName, throwOnError: false) is not null;
    }

    /// <summary>Registers a woven assembly's entry hooks into <paramref name="registry"/>; returns how many (0 when it was not woven).</summary>
    /// <exception cref="InvalidOperationException">A hook of the same name is in the registry already.</exception>
    public static int Register(HookRegistry registry, Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(assembly);
        var register = assembly.GetType(GeneratedTypeName, throwOnError: false)?
            .GetMethod(RegisterMethodName, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, [typeof(HookRegistry)]);
        if (register is null)
        {
            return 0;
        }

        return (int)register.Invoke(null, BindingFlags.DoNotWrapExceptions, binder: null, [registry], culture: null)!;
    }
}
