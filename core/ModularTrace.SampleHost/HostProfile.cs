namespace ModularTrace.SampleHost;

/// <summary>How a simulated distribution kernel's hooks differ from the host as built in this tree.</summary>
[Flags]
public enum HookVariants
{
    /// <summary>The hooks as declared in <see cref="KernelHooks"/>.</summary>
    None = 0,

    /// <summary>An older kernel: <c>sched_wakeup</c> still passes <c>int success</c> (removed later: the powertop case).</summary>
    WakeupSuccess = 1 << 0,

    /// <summary>A newer kernel: <c>sched_switch</c> gained a leading <c>bool preempt</c> argument.</summary>
    SwitchPreempt = 1 << 1,

    /// <summary>A newer kernel: <c>sys_openat</c> was renamed <c>do_sys_openat2</c>.</summary>
    Openat2 = 1 << 2,
}

/// <summary>
/// A simulated distribution kernel: its name, its vermagic, its hook set. Each profile also has its own builtin
/// signing key (generated on first use, never committed), so its packs are signed by the distribution.
/// </summary>
/// <param name="Name">The profile name (<c>debian</c>, <c>fedora</c>, ...).</param>
/// <param name="Vermagic">The vermagic modules must carry; null for the host as built (its git version).</param>
/// <param name="Variants">How its hooks differ.</param>
/// <param name="Description">One line for listings.</param>
public sealed record HostProfile(string Name, string? Vermagic, HookVariants Variants, string Description)
{
    /// <summary>The host as built from this tree: git vermagic, the development key.</summary>
    public static readonly HostProfile Default = new("default", null, HookVariants.None, "the host as built from this tree (git vermagic, development key)");

    /// <summary>Every profile, the default first.</summary>
    public static readonly IReadOnlyList<HostProfile> All =
    [
        Default,
        new("debian", "6.1.0-18-amd64 SMP preempt mod_unload modversions", HookVariants.WakeupSuccess,
            "Debian 12 style: an older kernel whose sched_wakeup still passes 'success'"),
        new("ubuntu", "6.5.0-9-generic SMP preempt mod_unload modversions", HookVariants.SwitchPreempt,
            "Ubuntu 23.10 style: sched_switch gained 'bool preempt'"),
        new("fedora", "6.7.4-200.fc39.x86_64 SMP preempt mod_unload", HookVariants.SwitchPreempt | HookVariants.Openat2,
            "Fedora 39 style: sched_switch gained 'bool preempt' and sys_openat became do_sys_openat2"),
    ];

    /// <summary>Looks a profile up by name.</summary>
    public static HostProfile? Find(string name) => All.FirstOrDefault(p => p.Name == name);
}
