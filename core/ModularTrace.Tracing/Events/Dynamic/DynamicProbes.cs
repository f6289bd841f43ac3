using System.Reflection;
using ModularTrace.Hooks;

namespace ModularTrace.Events.Dynamic;

// One method per hook arity (as Hook<T1..T8> has one class per arity). Each builds a typed probe over the writers
// of the recorded arguments (null for the others): firing does no boxing, allocation or reflection. Attach1 to
// Attach8 are written at build by core/ModularTrace.Generators (AritiesGenerator.DynamicProbes), from the same
// maximum arity as the hooks.

/// <summary>Attaches the probe of a dynamic event to its hook.</summary>
internal static partial class DynamicProbes
{
    /// <summary>Attaches; returns the action that detaches the probe again.</summary>
    public static Func<bool> Attach(Hook hook, TraceEvent ev, object?[] writers, object owner)
    {
        if (hook is NullaryHook nullary)
        {
            return Attach0(nullary, ev, owner);
        }

        var arguments = hook.GetType().GetGenericArguments();
        var method = typeof(DynamicProbes).GetMethod("Attach" + arguments.Length, BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(arguments);
        return (Func<bool>)method.Invoke(null, BindingFlags.DoNotWrapExceptions, binder: null, [hook, ev, writers, owner], culture: null)!;
    }

    private static Func<bool> Attach0(NullaryHook hook, TraceEvent ev, object owner)
    {
        Action probe = () =>
        {
            var writer = ev.Reserve();
            writer.Commit();
        };
        hook.Attach(probe, Hook.DefaultPriority, owner);
        return () => hook.Detach(probe);
    }
}
