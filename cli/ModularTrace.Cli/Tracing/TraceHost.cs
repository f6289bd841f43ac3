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
        _log = log;
        if (Session.ClockNote is { } note)
        {
            Log($"warning: {note}");
        }

        Loader.Logged += (_, line) => Log(line);
        Kernel = new SimulatedKernel(Hooks);
        // Dynamic events run no foreign code, so every policy allows them, lockdown included (docs/dynamic-events.md).
        Dynamic = new DynamicEvents(Session, Hooks.Registry, allowed: true);
    }

    private readonly TextWriter _log;
    private List<string>? _held;

    public HostProfile Profile { get; }

    public DynamicEvents Dynamic { get; }

    public KernelHooks Hooks { get; }

    public TraceSession Session { get; }

    public ModuleLoader Loader { get; }

    public SimulatedKernel Kernel { get; }

    /// <summary>
    /// Loads modules in order; the first refusal ends the run with the loader's message (exit 1), printed once: the
    /// loader also logs it, and the log line is held back so the refusal is not shown twice.
    /// </summary>
    public void Load(IEnumerable<string> files, LoadOptions options)
    {
        foreach (var file in files)
        {
            _held = [];
            ModuleLoadResult? result = null;
            try
            {
                result = Loader.Load(file, options);
            }
            finally
            {
                var held = _held;
                _held = null;
                foreach (var line in held.Where(line => line != result?.Error))
                {
                    Log(line);
                }
            }

            if (!result.Loaded)
            {
                throw new CliException(result.Error!, RunHint(result));
            }
        }
    }

    private void Log(string line)
    {
        if (_held is { } held)
        {
            held.Add(line);
        }
        else
        {
            _log.WriteLine($"[mtrace] {line}");
        }
    }

    // A one-shot host trusts what this command line names; enrolling is for a running host's keyring.
    private static string? RunHint(ModuleLoadResult result) => result.RefusedSignature == SignatureStatus.UnknownKey
        ? "trust its signer for this run with --cert <signer.x509> or --keyring DIR, or load under --policy permissive (taints E)"
        : result.Hint ?? "'mtrace modinfo <module>' shows what the module declares; the README's 'Loading a module' table lists each refusal";

    /// <summary>Lines for trace metadata: host, modules, taints.</summary>
    public IReadOnlyDictionary<string, string> Metadata()
    {
        var env = TraceMetadata.Of(Loader);
        env["host_profile"] = Profile.Name;
        if (DynamicControl.Metadata(Dynamic) is { } dynamic)
        {
            env["dynamic_events"] = dynamic;
        }

        return env;
    }
}
