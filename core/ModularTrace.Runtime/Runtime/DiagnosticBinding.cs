using System.Diagnostics;
using System.Linq.Expressions;
using System.Reflection;
using ModularTrace.Hooks;

namespace ModularTrace.Runtime;

/// <summary>One DiagnosticListener event bound to its hook: the compiled fetcher for the payload type this host
/// declares, and one more for another payload type seen at run time that has the same property paths and types.</summary>
internal sealed class DiagnosticBinding
{
    private static readonly MethodInfo s_activityDuration = typeof(DiagnosticBinding).GetMethod(nameof(ActivityDurationNs), BindingFlags.NonPublic | BindingFlags.Static)!;

    private readonly RuntimeHooks _bridge;
    private readonly Func<object?, bool> _declared;
    private readonly List<(PropertyInfo[] Chain, HookArgument Argument)> _resolved;
    private Rebound? _other;

    public DiagnosticBinding(RuntimeHooks bridge, Hook hook, DiagnosticEventSpec spec, Type payloadType, List<(PropertyInfo[] Chain, HookArgument Argument)> resolved)
    {
        _bridge = bridge;
        Hook = hook;
        Spec = spec;
        _resolved = resolved;
        _declared = PayloadFetcher.Compile(hook, payloadType, resolved, Extra(spec));
    }

    public Hook Hook { get; }

    public DiagnosticEventSpec Spec { get; }

    /// <summary>Fires the hook with the payload's properties; a payload of another shape faults the hook's probes.</summary>
    public void Dispatch(object? payload)
    {
        try
        {
            if (_declared(payload))
            {
                return;
            }

            var other = Volatile.Read(ref _other);
            if (other is null || payload is null || other.Type != payload.GetType())
            {
                other = Rebind(payload);
                Volatile.Write(ref _other, other);
            }

            other.Fire(payload);
        }
        catch (Exception ex)
        {
            // Never into the program that wrote the event: the probes fed by this payload are faulted instead.
            _bridge.Fault(Hook, ex);
        }
    }

    // As PropertyFetcher does for an anonymous payload: the same paths on the type actually written, if each leaf has
    // the type this host's symvers promised; otherwise the payload's shape changed under the module.
    private Rebound Rebind(object? payload)
    {
        if (payload is null)
        {
            throw new InvalidCastException($"{Hook.Name}: event {Spec.Event} was written without a payload; {Spec.Properties.Count} properties expected.");
        }

        var type = payload.GetType();
        if (!PayloadFetcher.TryResolve(type, Spec.Properties, out var resolved, out var reason))
        {
            throw new MissingMemberException($"{Hook.Name}: payload shape changed at run time: {reason}.");
        }

        for (var i = 0; i < resolved.Count; i++)
        {
            if (resolved[i].Argument.Type != _resolved[i].Argument.Type)
            {
                throw new InvalidCastException(
                    $"{Hook.Name}: payload shape changed at run time: {type.FullName}.{Spec.Properties[i]} is {resolved[i].Argument.TypeName}, the hook's {_resolved[i].Argument.Name} is {_resolved[i].Argument.TypeName}.");
            }
        }

        return new Rebound(type, PayloadFetcher.Compile(Hook, type, resolved, Extra(Spec)));
    }

    private static Expression[] Extra(DiagnosticEventSpec spec) => spec.ActivityDuration ? [Expression.Call(s_activityDuration)] : [];

    private static long ActivityDurationNs() => Activity.Current is { } activity ? activity.Duration.Ticks * 100 : 0;

    private sealed record Rebound(Type Type, Func<object?, bool> Fire);
}
