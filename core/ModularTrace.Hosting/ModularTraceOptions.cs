using ModularTrace.Events;
using ModularTrace.Runtime;
using LoaderPolicy = ModularTrace.Modules.Policy;

namespace ModularTrace.Hosting;

/// <summary>
/// How a program hosts ModularTrace, bound from configuration (section <see cref="SectionName"/>, e.g. appsettings.json):
/// the signature policy, whom to trust, what to load at start, the control socket and the buffers. Relative paths are
/// relative to the host's content root (the plain API: <see cref="ModularTraceHost.Start"/>'s base directory).
/// </summary>
public sealed class ModularTraceOptions
{
    /// <summary>The configuration section these options are read from by default.</summary>
    public const string SectionName = "ModularTrace";

    /// <summary><c>enforce</c> (default), <c>permissive</c> or <c>lockdown</c>; also decides whether a problem at start stops the host.</summary>
    public string Policy { get; set; } = "enforce";

    /// <summary>A keyring directory (<c>builtin/</c>, <c>secondary/</c>, <c>machine/</c>, <c>blacklist</c>; keys/README.md).</summary>
    public string? KeyringDirectory { get; set; }

    /// <summary>Certificates (DER or PEM) trusted as builtin: the host's own module signing key, typically.</summary>
    public string[] Certificates { get; set; } = [];

    /// <summary>Module files to load at start, in order.</summary>
    public string[] Modules { get; set; } = [];

    /// <summary>A built pack directory (its signed <c>pack.index</c> and modules) to load at start, before <see cref="Modules"/>.</summary>
    public string? Pack { get; set; }

    /// <summary>The control socket.</summary>
    public ModularTraceSocketOptions Socket { get; set; } = new();

    /// <summary>The ring buffers.</summary>
    public ModularTraceBufferOptions Buffer { get; set; } = new();

    /// <summary>Which of .NET's own instrumentation is bridged to hooks (docs/runtime-hooks.md).</summary>
    public ModularTraceRuntimeOptions Runtime { get; set; } = new();

    /// <summary>The policy as the loader's enum, or null when the text is none of the three.</summary>
    public LoaderPolicy? ParsedPolicy => Policy?.ToLowerInvariant() switch
    {
        "enforce" => LoaderPolicy.Enforce,
        "permissive" => LoaderPolicy.Permissive,
        "lockdown" => LoaderPolicy.Lockdown,
        _ => null,
    };

    /// <summary>Checks the options; one line per problem, empty when usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (ParsedPolicy is null)
        {
            problems.Add($"ModularTrace:Policy is '{Policy}': expected enforce, permissive or lockdown");
        }

        if (Buffer.Size is < 4096 or > 1 << 30)
        {
            problems.Add($"ModularTrace:Buffer:Size is {Buffer.Size}: expected 4096 to {1 << 30} bytes");
        }

        if (Buffer.Mode?.ToLowerInvariant() is not ("discard" or "overwrite"))
        {
            problems.Add($"ModularTrace:Buffer:Mode is '{Buffer.Mode}': expected discard or overwrite");
        }

        if (!TraceSession.TryParseClock(Buffer.Clock, out _))
        {
            problems.Add($"ModularTrace:Buffer:Clock is '{Buffer.Clock}': expected {TraceSession.ClockNames}");
        }

        try
        {
            _ = RuntimeSources.Resolve(Runtime.Sources ?? []);
        }
        catch (ArgumentException ex)
        {
            problems.Add($"ModularTrace:Runtime:Sources: {ex.Message.Split(" (Parameter", 2)[0]}");
        }

        return problems;
    }

    /// <summary>The trace session's options these describe (after <see cref="Validate"/> found nothing).</summary>
    public TraceOptions ToTraceOptions() => new()
    {
        BufferSize = Buffer.Size,
        Overwrite = string.Equals(Buffer.Mode, "overwrite", StringComparison.OrdinalIgnoreCase),
        Clock = TraceSession.TryParseClock(Buffer.Clock, out var clock) ? clock : TraceClock.Mono,
    };
}

/// <summary>The control socket of a host (docs/live-control.md).</summary>
public sealed class ModularTraceSocketOptions
{
    /// <summary>Serve the control socket (default true): <c>mtrace ps</c> lists the host and the <c>--attach</c> verbs reach it.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The socket path; default <c>$XDG_RUNTIME_DIR/mtrace/mtrace-PID.sock</c> (or <c>$TMPDIR/mtrace-UID/</c>).</summary>
    public string? Path { get; set; }
}

/// <summary>The ring buffers (one per writing thread).</summary>
public sealed class ModularTraceBufferOptions
{
    /// <summary>Bytes per buffer (default 2 MiB).</summary>
    public int Size { get; set; } = 2 << 20;

    /// <summary><c>discard</c> (default: new records are dropped when full) or <c>overwrite</c> (the oldest go).</summary>
    public string Mode { get; set; } = "discard";

    /// <summary>
    /// <c>mono</c> (default), <c>counter</c>, <c>coarse</c> or <c>tsc</c> (docs/performance.md); <c>tsc</c> falls back to
    /// <c>mono</c> with a logged warning where the CPU's counter is unavailable.
    /// </summary>
    public string Clock { get; set; } = "mono";
}

/// <summary>
/// Runtime hooks: the names of the runtime sources presented as hooks (<see cref="RuntimeSources"/>: <c>HttpClient</c>,
/// <c>AspNetCore</c>, <c>AspNetCore.Metrics</c>, <c>Activity:NAME</c>). Each is subscribed only while a probe is attached.
/// </summary>
public sealed class ModularTraceRuntimeOptions
{
    /// <summary>The sources bridged; none by default.</summary>
    public string[] Sources { get; set; } = [];
}
