using System.Collections.Frozen;
using System.Diagnostics;

namespace ModularTrace.Runtime;

/// <summary>
/// The subscription to every DiagnosticListener of one name, held only while a probe is attached to one of its
/// events' hooks (<see cref="Acquire"/> on first attach, <see cref="Release"/> on last detach).
/// </summary>
/// <remarks>
/// Lock order: DiagnosticListener's own list lock before <c>_gate</c> (the runtime calls <c>OnNext(DiagnosticListener)</c>
/// holding it), so <see cref="Acquire"/> subscribes to <c>AllListeners</c> without holding <c>_gate</c>.
/// </remarks>
internal sealed class DiagnosticFeed(RuntimeHooks bridge, string source) : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
{
    private readonly Lock _gate = new();
    private readonly Dictionary<DiagnosticListener, IDisposable> _subscriptions = [];
    private readonly Dictionary<string, DiagnosticBinding> _building = new(StringComparer.Ordinal);
    private FrozenDictionary<string, DiagnosticBinding> _events = FrozenDictionary<string, DiagnosticBinding>.Empty;
    private FrozenSet<string> _enabled = FrozenSet<string>.Empty;
    private FrozenDictionary<string, DiagnosticBinding> _stopOfStart = FrozenDictionary<string, DiagnosticBinding>.Empty;
    private IDisposable? _all;
    private int _refs;

    public string Source { get; } = source;

    public void Add(DiagnosticBinding binding) => _building.Add(binding.Spec.Event, binding);

    /// <summary>Publishes the events added (before any probe can attach).</summary>
    public void Seal()
    {
        _events = _building.ToFrozenDictionary(StringComparer.Ordinal);
        // A source asks IsEnabled for the activity's name before it writes '<name>.Start'/'.Stop' (HttpClient's
        // DiagnosticsHandler and ASP.NET Core's hosting both do): answer yes for those names too.
        var names = new HashSet<string>(_events.Keys, StringComparer.Ordinal);
        foreach (var name in _events.Keys)
        {
            if (name.EndsWith(".Start", StringComparison.Ordinal) || name.EndsWith(".Stop", StringComparison.Ordinal))
            {
                names.Add(name[..name.LastIndexOf('.')]);
            }
        }

        _enabled = names.ToFrozenSet(StringComparer.Ordinal);
        // Each bridged '<name>.Start' with its bridged '<name>.Stop', found once here rather than by building the Stop
        // name on every IsEnabled call of the application's request path.
        _stopOfStart = _events.Keys
            .Where(name => name.EndsWith(".Start", StringComparison.Ordinal))
            .Select(name => (Start: name, Stop: string.Concat(name.AsSpan(0, name.Length - ".Start".Length), ".Stop")))
            .Where(pair => _events.ContainsKey(pair.Stop))
            .ToFrozenDictionary(pair => pair.Start, pair => _events[pair.Stop], StringComparer.Ordinal);
    }

    public void Acquire()
    {
        lock (_gate)
        {
            if (++_refs != 1)
            {
                return;
            }
        }

        // Calls OnNext for every listener that exists, under the runtime's list lock (see the lock order above).
        IDisposable? all = DiagnosticListener.AllListeners.Subscribe(this);
        lock (_gate)
        {
            if (_refs > 0 && _all is null)
            {
                (_all, all) = (all, null);
            }
        }

        all?.Dispose();
    }

    public void Release()
    {
        IDisposable? all;
        IDisposable[] subscriptions;
        lock (_gate)
        {
            if (_refs == 0 || --_refs != 0)
            {
                return;
            }

            (all, _all) = (_all, null);
            subscriptions = [.. _subscriptions.Values];
            _subscriptions.Clear();
        }

        all?.Dispose();
        foreach (var subscription in subscriptions)
        {
            subscription.Dispose();
            bridge.CountSubscription(-1);
        }
    }

    /// <summary>Drops every subscription whatever the count (the bridge is disposed).</summary>
    public void Close()
    {
        lock (_gate)
        {
            _refs = Math.Min(_refs, 1);
        }

        Release();
    }

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener value)
    {
        if (!string.Equals(value.Name, Source, StringComparison.Ordinal))
        {
            return;
        }

        lock (_gate)
        {
            // Two AllListeners subscriptions may overlap for a moment (attach right after the last detach): one each.
            if (_refs > 0 && !_subscriptions.ContainsKey(value))
            {
                _subscriptions.Add(value, value.Subscribe(this, IsEnabled));
                bridge.CountSubscription(1);
            }
        }
    }

    private bool IsEnabled(string name, object? arg1, object? arg2)
    {
        if (!_enabled.Contains(name))
        {
            return false;
        }

        if (!_events.TryGetValue(name, out var binding))
        {
            return true; // the activity's own name
        }

        // ASP.NET Core's hosting writes '.Stop' only if '.Start' was enabled for the request: a probe on Stop enables Start
        // too (OnNext then drops the Start payload, as no probe is on its hook).
        return binding.Hook.IsEnabled
            || (_stopOfStart.TryGetValue(name, out var stop) && stop.Hook.IsEnabled);
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        if (_events.TryGetValue(value.Key, out var binding) && binding.Hook.IsEnabled)
        {
            binding.Dispatch(value.Value);
        }
    }

    void IObserver<DiagnosticListener>.OnCompleted()
    {
    }

    void IObserver<DiagnosticListener>.OnError(Exception error)
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnCompleted()
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error)
    {
    }
}
