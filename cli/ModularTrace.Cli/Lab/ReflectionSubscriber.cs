using System.Diagnostics;
using System.Reflection;

namespace ModularTrace.Cli.Lab;

/// <summary>
/// A subscriber that binds to payload properties by name at run time, as OpenTelemetry's <c>PropertyFetcher&lt;T&gt;</c>
/// and hand-written DiagnosticListener observers do: a property that is missing, or not assignable to the type asked
/// for, fetches as <c>default</c> and says nothing (PropertyFetcher's <c>TryFetch</c> returns false; instrumentations
/// then drop the event or the tag, reporting only to an EventSource of their own).
/// </summary>
internal sealed class ReflectionSubscriber : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly DiagnosticListener _listener;
    private readonly IDisposable _all;
    private readonly PropertyFetcher<string> _method = new("Method");
    private readonly PropertyFetcher<string> _path = new("Path");
    private readonly PropertyFetcher<int> _status = new("StatusCode");
    private IDisposable? _subscription;

    public ReflectionSubscriber(DiagnosticListener listener)
    {
        _listener = listener;
        _all = DiagnosticListener.AllListeners.Subscribe(this);
    }

    /// <summary>What it recorded: one row per event it did not drop.</summary>
    public List<(string? Method, string? Path, int Status)> Rows { get; } = [];

    /// <summary>Events dropped because the request itself could not be fetched (OpenTelemetry's <c>NullPayload</c>).</summary>
    public int Dropped { get; private set; }

    public void OnNext(DiagnosticListener value)
    {
        if (ReferenceEquals(value, _listener))
        {
            _subscription = value.Subscribe(this);
        }
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key != LabPayloads.RequestStop)
        {
            return;
        }

        if (!_method.TryFetch(value.Value, out var method) || !_path.TryFetch(value.Value, out var path))
        {
            Dropped++;
            return;
        }

        // A tag: recorded as what the fetcher gave, as an exporter writes a missing attribute's default.
        _status.TryFetch(value.Value, out var status);
        Rows.Add((method, path, status));
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _all.Dispose();
    }

    /// <summary>PropertyFetcher's rule: the property found by name on the payload's type (first time per type), used only
    /// if its type is assignable to <typeparamref name="T"/>; otherwise every fetch is false and <c>default</c>.</summary>
    private sealed class PropertyFetcher<T>(string name)
    {
        private (Type Type, PropertyInfo? Property)? _cached;

        public bool TryFetch(object? payload, out T? value)
        {
            value = default;
            if (payload is null)
            {
                return false;
            }

            var type = payload.GetType();
            if (_cached is not { } cached || cached.Type != type)
            {
                var property = type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
                cached = (type, property is not null && typeof(T).IsAssignableFrom(property.PropertyType) ? property : null);
                _cached = cached;
            }

            if (cached.Property is null)
            {
                return false;
            }

            value = (T?)cached.Property.GetValue(payload);
            return true;
        }
    }
}
