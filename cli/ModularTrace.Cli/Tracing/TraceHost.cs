using ModularTrace.Events;
using ModularTrace.Events.Dynamic;
using ModularTrace.Hooks;
using ModularTrace.Modules;
using ModularTrace.SampleHost;
using ModularTrace.Signing;

namespace ModularTrace.Cli.Tracing;

/// <summary>The sample host assembled for one CLI run: hooks, trace session, module loader, simulated kernel.</summary>
internal sealed class TraceHost
{
    public TraceHost(string? profile, Policy policy, Keyrings keyrings, TraceOptions options, TextWriter log)
    {
        Profile = HostProfiles.Resolve(profile);
        Hooks = HostProfiles.CreateHooks(profile);
        Session = new TraceSession(options);
        Loader = new ModuleLoader(Hooks.Registry, Session, keyrings, policy) { HostVermagic = HostProfiles.Vermagic(Profile) };
        Loader.Logged += (_, line) => log.WriteLine($"[mtrace] {line}");
        Kernel = new SimulatedKernel(Hooks);
        // Dynamic events run no foreign code, so every policy allows them, lockdown included (docs/dynamic-events.md).
        Dynamic = new DynamicEvents(Session, Hooks.Registry, allowed: true);
    }

    public HostProfile Profile { get; }

    public DynamicEvents Dynamic { get; }

    public KernelHooks Hooks { get; }

    public TraceSession Session { get; }

    public ModuleLoader Loader { get; }

    public SimulatedKernel Kernel { get; }

    /// <summary>Loads modules in order; the first refusal ends the run with the loader's message (exit 1).</summary>
    public void Load(IEnumerable<string> files, LoadOptions options)
    {
        foreach (var file in files)
        {
            var result = Loader.Load(file, options);
            if (!result.Loaded)
            {
                throw new CliException(result.Error!, result.Hint);
            }
        }
    }

    /// <summary>Lines for trace metadata: host, modules, taints.</summary>
    public IReadOnlyDictionary<string, string> Metadata()
    {
        var env = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host_profile"] = Profile.Name,
            ["host_vermagic"] = Loader.HostVermagic,
            ["host_policy"] = Loader.Policy.ToString().ToLowerInvariant(),
            ["host_taints"] = Loader.Taints.ToString(),
            ["host_tainted_mask"] = Loader.Taints.Mask.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["modules"] = string.Join(" ", Loader.Modules.Select(m => $"{m.Name}@{m.Manifest.Version}" + (m.Taints == Taint.None ? "" : $"({TaintSet.Letters(m.Taints)})"))),
            ["tracer_name"] = "mtrace",
        };
        if (DynamicControl.Metadata(Dynamic) is { } dynamic)
        {
            env["dynamic_events"] = dynamic;
        }

        return env;
    }
}
