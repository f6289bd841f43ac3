using System.Collections.Immutable;
using ModularTrace.Hooks;

namespace ModularTrace.Runtime;

/// <summary>
/// The bridge from .NET's own instrumentation to raw hooks: registers one hook per chosen DiagnosticListener event,
/// ActivitySource (start and stop) and Meter instrument, typed and named after the payload's shape on this host, so
/// each hook's CRC in the symvers is the shape's (a module built against another shape is refused). A source is
/// subscribed only while a probe is attached to one of its hooks.
/// </summary>
/// <remarks>
/// A payload that does not have the shape the hook was registered with at run time (a property missing or of another
/// type) never throws into the program: its hook's probes are detached and reported as faulting
/// (<see cref="HookRegistry.ProbeFaulted"/>; the loader counts them and taints the host Q), and
/// <see cref="PayloadFaults"/> counts it. Thread-safe.
/// </remarks>
public sealed class RuntimeHooks : IDisposable
{
    private readonly List<DiagnosticFeed> _diagnostics = [];
    private readonly List<ActivityFeed> _activities = [];
    private readonly List<MeterFeed> _meters = [];
    private int _subscriptions;
    private long _faults;

    private RuntimeHooks()
    {
    }

    /// <summary>The hooks registered, in spec order.</summary>
    public ImmutableArray<Hook> Hooks { get; private set; } = [];

    /// <summary>The specs whose shape this host does not have, each with the reason; their hooks are not registered,
    /// so a module naming one is refused with <c>unknown symbol</c>.</summary>
    public ImmutableArray<string> Unavailable { get; private set; } = [];

    /// <summary>Live subscriptions: DiagnosticListener subscriptions, ActivityListeners and MeterListeners.</summary>
    public int ActiveSubscriptions => Volatile.Read(ref _subscriptions);

    /// <summary>How many payloads or measurements did not have the registered shape at run time.</summary>
    public long PayloadFaults => Interlocked.Read(ref _faults);

    /// <summary>Registers the hooks of <paramref name="specs"/> whose shape this host has into <paramref name="registry"/>.</summary>
    /// <exception cref="InvalidOperationException">A hook of the same name is in the registry already.</exception>
    public static RuntimeHooks Register(HookRegistry registry, IEnumerable<RuntimeHookSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(specs);
        var bridge = new RuntimeHooks();
        var hooks = ImmutableArray.CreateBuilder<Hook>();
        var unavailable = ImmutableArray.CreateBuilder<string>();
        var feeds = new Dictionary<string, DiagnosticFeed>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            ArgumentNullException.ThrowIfNull(spec);
            switch (spec)
            {
                case DiagnosticEventSpec diagnostic:
                    if (bridge.TryDiagnostic(registry, diagnostic, feeds, out var hook, out var reason))
                    {
                        hooks.Add(hook);
                    }
                    else
                    {
                        unavailable.Add($"{diagnostic.Source}/{diagnostic.Event}: {reason}");
                    }

                    break;
                case ActivitySpec activity:
                    var feed = new ActivityFeed(bridge, activity.Source, registry);
                    bridge._activities.Add(feed);
                    hooks.Add(feed.Start);
                    hooks.Add(feed.Stop);
                    break;
                case MeterInstrumentSpec meter:
                    var name = "meter_" + RuntimeHookFactory.Identifier(meter.Instrument);
                    if (!HookSignature.IsIdentifier(name))
                    {
                        unavailable.Add($"{meter.Source}/{meter.Instrument}: '{name}' is not a hook name (at most 64 characters)");
                    }
                    else if (!MeterFeed.TryArguments(meter, out var arguments, out var why))
                    {
                        unavailable.Add($"{meter.Source}/{meter.Instrument}: {why}");
                    }
                    else
                    {
                        var meterHook = registry.Register(RuntimeHookFactory.Create(name, arguments));
                        bridge._meters.Add(new MeterFeed(bridge, meter, meterHook));
                        hooks.Add(meterHook);
                    }

                    break;
                default:
                    throw new ArgumentException($"Unknown runtime hook spec {spec.GetType().Name}.", nameof(specs));
            }
        }

        foreach (var feed in feeds.Values)
        {
            feed.Seal();
            bridge._diagnostics.Add(feed);
        }

        bridge.Hooks = hooks.ToImmutable();
        bridge.Unavailable = unavailable.ToImmutable();
        return bridge;
    }

    private bool TryDiagnostic(HookRegistry registry, DiagnosticEventSpec spec, Dictionary<string, DiagnosticFeed> feeds,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Hook? hook, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? reason)
    {
        hook = null;
        var name = "dl_" + RuntimeHookFactory.Identifier(spec.Event);
        if (!HookSignature.IsIdentifier(name))
        {
            reason = $"'{name}' is not a hook name (at most 64 characters)";
            return false;
        }

        // The payload type as this host has it: absent (another framework version, a trimmed build) means no hook.
        var payloadType = Type.GetType(spec.PayloadType, throwOnError: false);
        if (payloadType is null)
        {
            reason = $"payload type '{spec.PayloadType}' is not on this host";
            return false;
        }

        if (!PayloadFetcher.TryResolve(payloadType, spec.Properties, out var resolved, out reason))
        {
            return false;
        }

        List<HookArgument> arguments = [.. resolved.Select(r => r.Argument)];
        if (spec.ActivityDuration)
        {
            arguments.Add(new HookArgument("activity_duration_ns", typeof(long)));
        }

        if (arguments.Count > Hook.MaxArguments)
        {
            reason = $"{arguments.Count} arguments; a hook has at most {Hook.MaxArguments}";
            return false;
        }

        hook = registry.Register(RuntimeHookFactory.Create(name, arguments));
        if (!feeds.TryGetValue(spec.Source, out var feed))
        {
            feed = feeds[spec.Source] = new DiagnosticFeed(this, spec.Source);
        }

        feed.Add(new DiagnosticBinding(this, hook, spec, payloadType, resolved));
        hook.SetRegistration(feed.Acquire, feed.Release);
        return true;
    }

    internal void CountSubscription(int delta) => Interlocked.Add(ref _subscriptions, delta);

    /// <summary>A payload did not have the hook's shape: count it and fault the hook's probes (taint Q through the loader).</summary>
    internal void Fault(Hook hook, Exception exception)
    {
        Interlocked.Increment(ref _faults);
        hook.FaultAll(exception);
    }

    /// <summary>Drops every subscription; the hooks stay registered and feed nothing.</summary>
    public void Dispose()
    {
        foreach (var feed in _diagnostics)
        {
            feed.Close();
        }

        foreach (var feed in _activities)
        {
            feed.Close();
        }

        foreach (var feed in _meters)
        {
            feed.Close();
        }
    }
}
