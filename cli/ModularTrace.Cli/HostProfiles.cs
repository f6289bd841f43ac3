using ModularTrace.Hooks;
using ModularTrace.Modules;
using ModularTrace.SampleHost;
using ModularTrace.Signing;

namespace ModularTrace.Cli;

/// <summary>The sample host's profiles (simulated distribution kernels): hooks, vermagic, builtin key.</summary>
internal static class HostProfiles
{
    public const string Default = "default";

    public static HostProfile Resolve(string? name) => name is null
        ? HostProfile.Default
        : HostProfile.Find(name) ?? throw new CliException(
            $"unknown host profile '{name}'", $"the profiles are: {string.Join(", ", HostProfile.All.Select(p => p.Name))} ('mtrace hooks --profiles')");

    public static KernelHooks CreateHooks(string? profile)
    {
        var hooks = new KernelHooks(new HookRegistry(), Resolve(profile).Variants);
        FunctionHooks.Register(hooks.Registry, typeof(KernelHooks).Assembly);
        return hooks;
    }

    public static Symvers Symvers(string? profile) => CreateHooks(profile).Registry.ToSymvers();

    public static string Vermagic(HostProfile profile) => profile.Vermagic ?? VerMagic.Host;

    /// <summary>C# symbols a module is compiled with for a profile, one per hook variant (HOOK_SWITCH_PREEMPT, ...).</summary>
    public static IReadOnlyList<string> Defines(HostProfile profile) =>
    [
        .. Enum.GetValues<HookVariants>().Where(v => v != HookVariants.None && profile.Variants.HasFlag(v)).Select(v => v switch
        {
            HookVariants.WakeupSuccess => "HOOK_WAKEUP_SUCCESS",
            HookVariants.SwitchPreempt => "HOOK_SWITCH_PREEMPT",
            HookVariants.Openat2 => "HOOK_OPENAT2",
            _ => throw new InvalidOperationException($"no define for {v}"),
        }),
    ];

    /// <summary>The profile's builtin signing key: the development key for the default profile, else keys/profiles/NAME/, generated on first use.</summary>
    public static DevKeyFiles Key(string root, HostProfile profile) => profile == HostProfile.Default
        ? DevKey.EnsureExists(RepoPaths.KeysDirectory(root))
        : DevKey.EnsureExists(
            Path.Combine(RepoPaths.KeysDirectory(root), "profiles", profile.Name),
            new KeyGenerationOptions { RsaKeySize = 2048, Subject = $"{profile.Name} module signing key", Organization = $"{profile.Name} (ModularTrace lab)" });
}
