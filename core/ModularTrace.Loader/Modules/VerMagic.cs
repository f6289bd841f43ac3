using System.Reflection;

namespace ModularTrace.Modules;

/// <summary>
/// The host's version magic: <c>&lt;version&gt;+&lt;commit&gt; &lt;framework&gt; mod_unload modversions</c>, from
/// Nerdbank.GitVersioning's informational version of ModularTrace.Loader. A build without git information (a shallow
/// clone) says <c>+unknown</c>, so its modules can never match a host built from a real commit.
/// </summary>
public static class VerMagic
{
    /// <summary>The flags after the version, as the kernel lists SMP, preempt, mod_unload, modversions.</summary>
    public const string Flags = "net10.0 mod_unload modversions";

    /// <summary>This host's vermagic.</summary>
    public static string Host { get; } = Compose(
        typeof(VerMagic).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0");

    /// <summary>A vermagic for a given informational version.</summary>
    public static string Compose(string informationalVersion)
    {
        ArgumentNullException.ThrowIfNull(informationalVersion);
        var version = informationalVersion.Contains('+', StringComparison.Ordinal) ? informationalVersion : informationalVersion + "+unknown";
        return version + " " + Flags;
    }
}
