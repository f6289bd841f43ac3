using System.Diagnostics;
using ModularTrace.Hooks;

namespace ModularTrace.Runtime;

/// <summary>An ActivityListener for one ActivitySource, alive only while a probe is attached to its start or stop hook.</summary>
internal sealed class ActivityFeed
{
    private readonly Lock _gate = new();
    private readonly RuntimeHooks _bridge;
    private ActivityListener? _listener;
    private int _refs;

    public ActivityFeed(RuntimeHooks bridge, string source, HookRegistry registry)
    {
        _bridge = bridge;
        Source = source;
        var name = RuntimeHookFactory.Identifier(source);
        Start = registry.Register(new Hook<string, string, int>($"activity_{name}_start", "operation_name", "display_name", "kind"));
        Stop = registry.Register(new Hook<string, string, int, long>($"activity_{name}_stop", "operation_name", "display_name", "status", "duration_ns"));
        Start.SetRegistration(Acquire, Release);
        Stop.SetRegistration(Acquire, Release);
    }

    public string Source { get; }

    public Hook<string, string, int> Start { get; }

    public Hook<string, string, int, long> Stop { get; }

    private void Acquire()
    {
        lock (_gate)
        {
            if (++_refs != 1)
            {
                return;
            }

            var listener = new ActivityListener
            {
                ShouldListenTo = source => string.Equals(source.Name, Source, StringComparison.Ordinal),
                // Activities must exist for Started/Stopped to be called; the source pays for them only while attached.
                Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
                ActivityStarted = activity => Start.Fire(activity.OperationName, activity.DisplayName, (int)activity.Kind),
                ActivityStopped = activity => Stop.Fire(activity.OperationName, activity.DisplayName, (int)activity.Status, activity.Duration.Ticks * 100),
            };
            ActivitySource.AddActivityListener(listener);
            _listener = listener;
            _bridge.CountSubscription(1);
        }
    }

    private void Release()
    {
        lock (_gate)
        {
            if (_refs == 0 || --_refs != 0)
            {
                return;
            }

            _listener?.Dispose();
            _listener = null;
            _bridge.CountSubscription(-1);
        }
    }

    public void Close()
    {
        lock (_gate)
        {
            _refs = Math.Min(_refs, 1);
        }

        Release();
    }
}
