namespace ModularTrace.Hosting;

/// <summary>
/// Names the type that declares a host's raw hooks, so its <c>Module.symvers</c> can be written without running the
/// host: <c>mtrace hooks --assembly HOST.dll --symvers</c> (and the host's build) creates that type with a fresh
/// <see cref="Hooks.HookRegistry"/> and prints what it registered.
/// </summary>
/// <remarks>
/// The type needs a public constructor taking a <see cref="Hooks.HookRegistry"/> and registering the hooks, and nothing
/// else: it is created outside the host too, where the host's other dependencies (ASP.NET Core, a database) are absent.
/// </remarks>
/// <param name="hooksType">The type declaring the hooks.</param>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class HostHooksAttribute(Type hooksType) : Attribute
{
    /// <summary>The type declaring the hooks.</summary>
    public Type HooksType { get; } = hooksType;

    /// <summary>
    /// The host's vermagic, when it sets one; default: <c>&lt;version&gt;+&lt;commit&gt; net10.0 mod_unload modversions</c>
    /// from the assembly's informational version (Nerdbank.GitVersioning's, when the host uses it).
    /// </summary>
    public string? Vermagic { get; init; }
}
