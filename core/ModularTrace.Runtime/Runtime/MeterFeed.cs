using System.Diagnostics.Metrics;
using System.Linq.Expressions;
using ModularTrace.Hooks;

namespace ModularTrace.Runtime;

/// <summary>
/// A MeterListener for one instrument, alive only while a probe is attached to its hook: each measurement fires
/// <c>meter_&lt;instrument&gt;(long value, tags...)</c> through a delegate compiled once.
/// </summary>
internal sealed class MeterFeed
{
    /// <summary>The most tags a meter hook carries.</summary>
    public const int MaxTags = 4;

    private readonly Lock _gate = new();
    private readonly RuntimeHooks _bridge;
    private readonly MeterInstrumentSpec _spec;
    private readonly string[] _tags;
    private readonly Action<long, object?, object?, object?, object?> _fire;
    private MeterListener? _listener;
    private bool _starting;

    public MeterFeed(RuntimeHooks bridge, MeterInstrumentSpec spec, Hook hook)
    {
        _bridge = bridge;
        _spec = spec;
        Hook = hook;
        _tags = [.. spec.Tags.Select(t => t.Name)];
        _fire = Compile(hook, spec);
        hook.SetRegistration(Acquire, Release);
    }

    public Hook Hook { get; }

    /// <summary>The hook's arguments for a spec, or why it cannot be one.</summary>
    public static bool TryArguments(MeterInstrumentSpec spec, out List<HookArgument> arguments, out string? reason)
    {
        arguments = [new HookArgument(spec.ValueName, typeof(long))];
        reason = spec.MeasurementType == typeof(int) || spec.MeasurementType == typeof(long) || spec.MeasurementType == typeof(double)
            ? null
            : $"measurement type {spec.MeasurementType} is not int, long or double";
        reason ??= spec.Tags.Count > MaxTags ? $"{spec.Tags.Count} tags; at most {MaxTags}" : null;
        foreach (var tag in spec.Tags)
        {
            reason ??= tag.Type == typeof(string) || tag.Type == typeof(int) ? null : $"tag {tag.Name} is {tag.Type}, not string or int";
            arguments.Add(new HookArgument(RuntimeHookFactory.Identifier(tag.Name), tag.Type));
        }

        return reason is null;
    }

    private void Acquire()
    {
        lock (_gate)
        {
            var listener = new MeterListener { InstrumentPublished = OnPublished };
            listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((MeterFeed)state!).OnMeasurement(value, tags));
            listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((MeterFeed)state!).OnMeasurement(value, tags));
            listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((MeterFeed)state!).OnMeasurement((long)(value * ((MeterFeed)state!)._spec.Scale), tags));
            _listener = listener;
            _starting = true;
            try
            {
                listener.Start(); // publishes the instruments that exist already, on this thread
            }
            finally
            {
                _starting = false;
            }

            _bridge.CountSubscription(1);
        }
    }

    private void Release()
    {
        lock (_gate)
        {
            if (_listener is null)
            {
                return;
            }

            _listener.Dispose();
            _listener = null;
            _bridge.CountSubscription(-1);
        }
    }

    public void Close() => Release();

    private void OnPublished(Instrument instrument, MeterListener listener)
    {
        if (!string.Equals(instrument.Meter.Name, _spec.Source, StringComparison.Ordinal) || !string.Equals(instrument.Name, _spec.Instrument, StringComparison.Ordinal))
        {
            return;
        }

        var type = instrument.GetType();
        var measured = type.IsGenericType ? type.GetGenericArguments()[0] : null;
        if (measured != _spec.MeasurementType)
        {
            var fault = new InvalidCastException($"{Hook.Name}: instrument {_spec.Source}/{_spec.Instrument} measures {measured?.Name ?? type.Name}, the hook was built for {_spec.MeasurementType.Name}.");
            if (_starting)
            {
                // Still inside the first attach (Start publishes on the attaching thread): fault once it is done.
                ThreadPool.UnsafeQueueUserWorkItem(static state => state.Bridge.Fault(state.Hook, state.Fault), (Bridge: _bridge, Hook, Fault: (Exception)fault), preferLocal: false);
            }
            else
            {
                _bridge.Fault(Hook, fault);
            }

            return;
        }

        listener.EnableMeasurementEvents(instrument, this);
    }

    private void OnMeasurement(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        object? t0 = null, t1 = null, t2 = null, t3 = null;
        foreach (var tag in tags)
        {
            var i = Array.IndexOf(_tags, tag.Key);
            switch (i)
            {
                case 0: t0 = tag.Value; break;
                case 1: t1 = tag.Value; break;
                case 2: t2 = tag.Value; break;
                case 3: t3 = tag.Value; break;
                default: break;
            }
        }

        try
        {
            _fire(value, t0, t1, t2, t3);
        }
        catch (Exception ex)
        {
            // A tag of another type: never into the program that recorded the measurement.
            _bridge.Fault(Hook, new InvalidCastException($"{Hook.Name}: a tag's type changed at run time: {ex.Message}", ex));
        }
    }

    // (value, t0..t3) => hook.Fire(value, (T0)t0 ?? default, ...): a cast that does not fit throws, and the caller faults.
    private static Action<long, object?, object?, object?, object?> Compile(Hook hook, MeterInstrumentSpec spec)
    {
        var value = Expression.Parameter(typeof(long), "value");
        ParameterExpression[] tags = [.. Enumerable.Range(0, MaxTags).Select(i => Expression.Parameter(typeof(object), $"t{i}"))];
        var args = new List<Expression> { value };
        for (var i = 0; i < spec.Tags.Count; i++)
        {
            var type = spec.Tags[i].Type;
            args.Add(Expression.Condition(
                Expression.Equal(tags[i], Expression.Constant(null)),
                Expression.Default(type),
                type.IsValueType ? Expression.Unbox(tags[i], type) : Expression.Convert(tags[i], type)));
        }

        return Expression.Lambda<Action<long, object?, object?, object?, object?>>(RuntimeHookFactory.Fire(hook, args), [value, .. tags]).Compile();
    }
}
