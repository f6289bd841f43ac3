using System.CommandLine;
using ModularTrace.Cli.Tracing;
using ModularTrace.Events;
using ModularTrace.Modules;
using ModularTrace.SampleHost;

namespace ModularTrace.Cli.Commands;

/// <summary>The options of <c>mtrace run</c> (and the subset <c>demo</c> and <c>events</c> share).</summary>
internal sealed class RunOptions
{
    public Option<string?> Profile { get; } = new("--profile") { Description = "Host profile (simulated distribution kernel). Default: the host as built." };

    public Option<string> Policy { get; } = new("--policy")
    {
        Description = "Module signature policy: enforce (default), permissive (unsigned loads, taints E) or lockdown.",
        DefaultValueFactory = _ => "enforce",
    };

    public Option<string[]> Load { get; } = new("--load") { Description = "Load this module file (repeatable). Default: the pack." };

    public Option<string?> Pack { get; } = new("--pack") { Description = "Load this pack from modules/packs/ when no --load is given. Default: default." };

    public Option<bool> ForceVermagic { get; } = new("--force-vermagic") { Description = "Load despite a vermagic mismatch (taints F; the signature is no longer trusted)." };

    public Option<bool> ForceModversion { get; } = new("--force-modversion") { Description = "Load despite hook CRC mismatches (taints F; the signature is no longer trusted)." };

    public Option<string> Loader { get; } = LoaderOption();

    public Option<string[]> Enable { get; } = new("--enable") { Description = "Enable SYS:EVENT, SYS:* or all (repeatable). Default: all." };

    public Option<string[]> Filter { get; } = new("--filter") { Description = "Filter SYS:EVENT=EXPR in the kernel's grammar, e.g. 'sched:sched_switch=prev_pid < 100 && prev_comm ~ \"k*\"' (repeatable)." };

    public Option<string[]> Trigger { get; } = new("--trigger") { Description = "Trigger SYS:EVENT=TEXT: traceoff, enable_event:SYS:EV, hist:keys=F[:values=F][:sort=F][:size=N] (repeatable)." };

    public Option<string[]> Dynamic { get; } = new("--dynamic") { Description = "Add a dynamic event on a raw hook before --enable applies: [GROUP/EVENT=]HOOK(TYPE ARG, ...), e.g. 'sched_switch(int prev_pid, string prev_comm, x32 prev_state)' (repeatable; docs/dynamic-events.md)." };

    public Option<string?> Ctf { get; } = new("--ctf") { Description = "Also write the trace as CTF 1.8 to this new or empty directory (read it with babeltrace2)." };

    public Option<long?> Events { get; } = new("--events") { Description = "Hook firings to simulate (default 20000)." };

    public Option<string?> Duration { get; } = new("--duration") { Description = "Run for this long instead (500ms, 2s, 1m)." };

    public Option<bool> Text { get; } = new("--text") { Description = "Print the trace as text (ftrace's trace format) on stdout; the summary goes to stderr." };

    public Option<int> BufferSize { get; } = new("--buffer-size") { Description = "Bytes per ring buffer (default 2 MiB).", DefaultValueFactory = _ => 2 << 20 };

    public Option<bool> Overwrite { get; } = new("--overwrite") { Description = "Overwrite the oldest records when a buffer is full (default: drop the newest)." };

    public Option<string> Clock { get; } = new("--clock") { Description = "Trace clock: mono (default), counter (exact order, no time), coarse (milliseconds, cheaper than mono) or tsc (the CPU's time-stamp counter, calibrated against mono; falls back to mono with a note where unavailable).", DefaultValueFactory = _ => "mono" };

    public Option<int> Cpus { get; } = new("--cpus") { Description = "Simulated CPUs.", DefaultValueFactory = _ => 2 };

    public Option<int> Seed { get; } = new("--seed") { Description = "Workload seed.", DefaultValueFactory = _ => 1 };

    public TrustOptions Trust { get; } = new();

    /// <summary><c>--loader</c>: strict or plugin (ModuleLoadMode), for run, host and insmod.</summary>
    public static Option<string> LoaderOption()
    {
        var option = new Option<string>("--loader")
        {
            Description = "How verified modules are loaded: strict (default: the verified bytes straight into a collectible context; modules can export and import) or plugin (McMaster.NETCore.Plugins, from a private 0700 copy of the verified bytes: for modules with private dependencies; no imports).",
            DefaultValueFactory = _ => "strict",
        };
        option.AcceptOnlyFromAmong([.. LoadOptions.ModeNames]);
        return option;
    }

    /// <summary>The load switches this command line asks for.</summary>
    public LoadOptions LoadOptionsOf(ParseResult result)
    {
        // AcceptOnlyFromAmong already refused any other name, as a usage error.
        if (!LoadOptions.TryParseMode(result.GetValue(Loader), out var mode))
        {
            throw new CliException($"unknown loader '{result.GetValue(Loader)}'", $"the loader is {string.Join(" or ", LoadOptions.ModeNames)}", ExitCodes.Usage);
        }

        return new LoadOptions { ForceVermagic = result.GetValue(ForceVermagic), ForceModversion = result.GetValue(ForceModversion), Mode = mode };
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Profile, Policy, Load, Pack, ForceVermagic, ForceModversion, Loader, Enable, Dynamic, Filter, Trigger, Events, Ctf, Duration, Text, BufferSize, Overwrite, Clock, Cpus, Seed })
        {
            command.Options.Add(option);
        }

        Trust.AddTo(command);
    }

    /// <summary>The clock <c>--clock</c> names; <c>run</c> and <c>host</c> take the same names.</summary>
    public static TraceClock ParseClock(string? name) => TraceSession.TryParseClock(name, out var clock)
        ? clock
        : throw new CliException($"unknown clock '{name}'", $"use {TraceSession.ClockNames}", ExitCodes.Usage);

    private bool HasTrustOptions(ParseResult result) => result.GetValue(Trust.Certificates) is { Length: > 0 } || result.GetValue(Trust.Keyring) is not null;

    public RunSettings Read(ParseResult result)
    {
        var policy = result.GetValue(Policy) switch
        {
            "enforce" => Modules.Policy.Enforce,
            "permissive" => Modules.Policy.Permissive,
            "lockdown" => Modules.Policy.Lockdown,
            var other => throw new CliException($"unknown policy '{other}'", "use enforce, permissive or lockdown", ExitCodes.Usage),
        };
        var clock = ParseClock(result.GetValue(Clock));
        var duration = result.GetValue(Duration) is { } d ? Durations.Parse(d) : (TimeSpan?)null;
        if (duration is not null && result.GetValue(Events) is not null)
        {
            throw new CliException("--events and --duration exclude each other", null, ExitCodes.Usage);
        }

        var workload = new WorkloadOptions
        {
            Cpus = result.GetValue(Cpus),
            Seed = result.GetValue(Seed),
            Events = duration is null ? result.GetValue(Events) ?? 20_000 : null,
            Duration = duration,
        };
        if (workload.Validate() is { } problem)
        {
            throw new CliException(problem, null, ExitCodes.Usage);
        }

        var bufferSize = result.GetValue(BufferSize);
        if (bufferSize is < 4096 or > 1 << 30)
        {
            throw new CliException($"--buffer-size must be between 4096 and {1 << 30} bytes (got {bufferSize})", null, ExitCodes.Usage);
        }

        // The profile first: the pack defaults to the profile's name, so an unknown profile would read as an unknown pack.
        var profile = HostProfiles.Resolve(result.GetValue(Profile));
        var loads = result.GetValue(Load) ?? [];
        var modules = loads.Length > 0
            ? loads
            : Packs.ModuleFiles(RepoPaths.RequireRoot("--load FILE"), result.GetValue(Pack) ?? Packs.ForProfile(result.GetValue(Profile)));
        var enable = result.GetValue(Enable) is { Length: > 0 } selectors ? selectors : ["all"];
        return new RunSettings(
            result.GetValue(Profile),
            policy,
            HasTrustOptions(result) || profile == HostProfile.Default
                ? Trust.Resolve(result, requireSomething: false)
                : new ModularTrace.Signing.Keyrings([ModularTrace.Signing.CertificateFile.Load(HostProfiles.Key(RepoPaths.RequireRoot("--cert FILE"), profile).CertificatePath)]),
            modules,
            LoadOptionsOf(result),
            enable,
            [.. (result.GetValue(Filter) ?? []).Select(f => EventControl.Split("--filter", f))],
            [.. (result.GetValue(Trigger) ?? []).Select(t => EventControl.Split("--trigger", t))],
            result.GetValue(Ctf),
            new TraceOptions { BufferSize = bufferSize, Overwrite = result.GetValue(Overwrite), Clock = clock },
            workload)
        { Dynamic = result.GetValue(Dynamic) ?? [] };
    }
}
