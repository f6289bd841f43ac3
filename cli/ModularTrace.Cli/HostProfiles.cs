using ModularTrace.Hooks;
using ModularTrace.SampleHost;

namespace ModularTrace.Cli;

/// <summary>The sample host's hook sets. One profile for now: the host as built from this tree.</summary>
internal static class HostProfiles
{
    public const string Default = "default";

    public static KernelHooks CreateHooks(string? profile)
    {
        if (profile is not null && profile != Default)
        {
            throw new CliException($"unknown host profile '{profile}'", "the profiles are: default");
        }

        var hooks = new KernelHooks(new HookRegistry());
        FunctionHooks.Register(hooks.Registry, typeof(KernelHooks).Assembly);
        return hooks;
    }

    public static Symvers Symvers(string? profile) => CreateHooks(profile).Registry.ToSymvers();
}
