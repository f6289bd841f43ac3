using System.Reflection;
using ModularTrace.Hooks;

namespace ModularTrace.Events.Dynamic;

// One method per hook arity (as Hook<T1..T8> has one class per arity). Each builds a typed probe over the writers
// of the recorded arguments (null for the others): firing does no boxing, allocation or reflection.
// Generated shape; keep the arities in step with Hook.Arities.cs.

/// <summary>Attaches the probe of a dynamic event to its hook.</summary>
internal static class DynamicProbes
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

    private static Func<bool> Attach1<T1>(Hook<T1> hook, TraceEvent ev, object?[] writers, object owner)
    {
        var w1 = (ArgumentWriter<T1>?)writers[0];
        Action<T1> probe = (a1) =>
        {
            if (!ev.IsEnabled)
            {
                return;
            }

            var writer = ev.Reserve((w1?.DynamicSize(a1) ?? 0));
            if (!writer.IsReserved)
            {
                return;
            }

            w1?.Write(ref writer, a1);
            writer.Commit();
        };
        hook.Attach(probe, Hook.DefaultPriority, owner);
        return () => hook.Detach(probe);
    }

    private static Func<bool> Attach2<T1, T2>(Hook<T1, T2> hook, TraceEvent ev, object?[] writers, object owner)
    {
        var w1 = (ArgumentWriter<T1>?)writers[0];
        var w2 = (ArgumentWriter<T2>?)writers[1];
        Action<T1, T2> probe = (a1, a2) =>
        {
            if (!ev.IsEnabled)
            {
                return;
            }

            var writer = ev.Reserve((w1?.DynamicSize(a1) ?? 0) + (w2?.DynamicSize(a2) ?? 0));
            if (!writer.IsReserved)
            {
                return;
            }

            w1?.Write(ref writer, a1);
            w2?.Write(ref writer, a2);
            writer.Commit();
        };
        hook.Attach(probe, Hook.DefaultPriority, owner);
        return () => hook.Detach(probe);
    }

    private static Func<bool> Attach3<T1, T2, T3>(Hook<T1, T2, T3> hook, TraceEvent ev, object?[] writers, object owner)
    {
        var w1 = (ArgumentWriter<T1>?)writers[0];
        var w2 = (ArgumentWriter<T2>?)writers[1];
        var w3 = (ArgumentWriter<T3>?)writers[2];
        Action<T1, T2, T3> probe = (a1, a2, a3) =>
        {
            if (!ev.IsEnabled)
            {
                return;
            }

            var writer = ev.Reserve((w1?.DynamicSize(a1) ?? 0) + (w2?.DynamicSize(a2) ?? 0) + (w3?.DynamicSize(a3) ?? 0));
            if (!writer.IsReserved)
            {
                return;
            }

            w1?.Write(ref writer, a1);
            w2?.Write(ref writer, a2);
            w3?.Write(ref writer, a3);
            writer.Commit();
        };
        hook.Attach(probe, Hook.DefaultPriority, owner);
        return () => hook.Detach(probe);
    }

    private static Func<bool> Attach4<T1, T2, T3, T4>(Hook<T1, T2, T3, T4> hook, TraceEvent ev, object?[] writers, object owner)
    {
        var w1 = (ArgumentWriter<T1>?)writers[0];
        var w2 = (ArgumentWriter<T2>?)writers[1];
        var w3 = (ArgumentWriter<T3>?)writers[2];
        var w4 = (ArgumentWriter<T4>?)writers[3];
        Action<T1, T2, T3, T4> probe = (a1, a2, a3, a4) =>
        {
            if (!ev.IsEnabled)
            {
                return;
            }

            var writer = ev.Reserve((w1?.DynamicSize(a1) ?? 0) + (w2?.DynamicSize(a2) ?? 0) + (w3?.DynamicSize(a3) ?? 0) + (w4?.DynamicSize(a4) ?? 0));
            if (!writer.IsReserved)
            {
                return;
            }

            w1?.Write(ref writer, a1);
            w2?.Write(ref writer, a2);
            w3?.Write(ref writer, a3);
            w4?.Write(ref writer, a4);
            writer.Commit();
        };
        hook.Attach(probe, Hook.DefaultPriority, owner);
        return () => hook.Detach(probe);
    }

    private static Func<bool> Attach5<T1, T2, T3, T4, T5>(Hook<T1, T2, T3, T4, T5> hook, TraceEvent ev, object?[] writers, object owner)
    {
        var w1 = (ArgumentWriter<T1>?)writers[0];
        var w2 = (ArgumentWriter<T2>?)writers[1];
        var w3 = (ArgumentWriter<T3>?)writers[2];
        var w4 = (ArgumentWriter<T4>?)writers[3];
        var w5 = (ArgumentWriter<T5>?)writers[4];
        Action<T1, T2, T3, T4, T5> probe = (a1, a2, a3, a4, a5) =>
        {
            if (!ev.IsEnabled)
            {
                return;
            }

            var writer = ev.Reserve((w1?.DynamicSize(a1) ?? 0) + (w2?.DynamicSize(a2) ?? 0) + (w3?.DynamicSize(a3) ?? 0) + (w4?.DynamicSize(a4) ?? 0) + (w5?.DynamicSize(a5) ?? 0));
            if (!writer.IsReserved)
            {
                return;
            }

            w1?.Write(ref writer, a1);
            w2?.Write(ref writer, a2);
            w3?.Write(ref writer, a3);
            w4?.Write(ref writer, a4);
            w5?.Write(ref writer, a5);
            writer.Commit();
        };
        hook.Attach(probe, Hook.DefaultPriority, owner);
        return () => hook.Detach(probe);
    }

    private static Func<bool> Attach6<T1, T2, T3, T4, T5, T6>(Hook<T1, T2, T3, T4, T5, T6> hook, TraceEvent ev, object?[] writers, object owner)
    {
        var w1 = (ArgumentWriter<T1>?)writers[0];
        var w2 = (ArgumentWriter<T2>?)writers[1];
        var w3 = (ArgumentWriter<T3>?)writers[2];
        var w4 = (ArgumentWriter<T4>?)writers[3];
        var w5 = (ArgumentWriter<T5>?)writers[4];
        var w6 = (ArgumentWriter<T6>?)writers[5];
        Action<T1, T2, T3, T4, T5, T6> probe = (a1, a2, a3, a4, a5, a6) =>
        {
            if (!ev.IsEnabled)
            {
                return;
            }

            var writer = ev.Reserve((w1?.DynamicSize(a1) ?? 0) + (w2?.DynamicSize(a2) ?? 0) + (w3?.DynamicSize(a3) ?? 0) + (w4?.DynamicSize(a4) ?? 0) + (w5?.DynamicSize(a5) ?? 0) + (w6?.DynamicSize(a6) ?? 0));
            if (!writer.IsReserved)
            {
                return;
            }

            w1?.Write(ref writer, a1);
            w2?.Write(ref writer, a2);
            w3?.Write(ref writer, a3);
            w4?.Write(ref writer, a4);
            w5?.Write(ref writer, a5);
            w6?.Write(ref writer, a6);
            writer.Commit();
        };
        hook.Attach(probe, Hook.DefaultPriority, owner);
        return () => hook.Detach(probe);
    }

    private static Func<bool> Attach7<T1, T2, T3, T4, T5, T6, T7>(Hook<T1, T2, T3, T4, T5, T6, T7> hook, TraceEvent ev, object?[] writers, object owner)
    {
        var w1 = (ArgumentWriter<T1>?)writers[0];
        var w2 = (ArgumentWriter<T2>?)writers[1];
        var w3 = (ArgumentWriter<T3>?)writers[2];
        var w4 = (ArgumentWriter<T4>?)writers[3];
        var w5 = (ArgumentWriter<T5>?)writers[4];
        var w6 = (ArgumentWriter<T6>?)writers[5];
        var w7 = (ArgumentWriter<T7>?)writers[6];
        Action<T1, T2, T3, T4, T5, T6, T7> probe = (a1, a2, a3, a4, a5, a6, a7) =>
        {
            if (!ev.IsEnabled)
            {
                return;
            }

            var writer = ev.Reserve((w1?.DynamicSize(a1) ?? 0) + (w2?.DynamicSize(a2) ?? 0) + (w3?.DynamicSize(a3) ?? 0) + (w4?.DynamicSize(a4) ?? 0) + (w5?.DynamicSize(a5) ?? 0) + (w6?.DynamicSize(a6) ?? 0) + (w7?.DynamicSize(a7) ?? 0));
            if (!writer.IsReserved)
            {
                return;
            }

            w1?.Write(ref writer, a1);
            w2?.Write(ref writer, a2);
            w3?.Write(ref writer, a3);
            w4?.Write(ref writer, a4);
            w5?.Write(ref writer, a5);
            w6?.Write(ref writer, a6);
            w7?.Write(ref writer, a7);
            writer.Commit();
        };
        hook.Attach(probe, Hook.DefaultPriority, owner);
        return () => hook.Detach(probe);
    }

    private static Func<bool> Attach8<T1, T2, T3, T4, T5, T6, T7, T8>(Hook<T1, T2, T3, T4, T5, T6, T7, T8> hook, TraceEvent ev, object?[] writers, object owner)
    {
        var w1 = (ArgumentWriter<T1>?)writers[0];
        var w2 = (ArgumentWriter<T2>?)writers[1];
        var w3 = (ArgumentWriter<T3>?)writers[2];
        var w4 = (ArgumentWriter<T4>?)writers[3];
        var w5 = (ArgumentWriter<T5>?)writers[4];
        var w6 = (ArgumentWriter<T6>?)writers[5];
        var w7 = (ArgumentWriter<T7>?)writers[6];
        var w8 = (ArgumentWriter<T8>?)writers[7];
        Action<T1, T2, T3, T4, T5, T6, T7, T8> probe = (a1, a2, a3, a4, a5, a6, a7, a8) =>
        {
            if (!ev.IsEnabled)
            {
                return;
            }

            var writer = ev.Reserve((w1?.DynamicSize(a1) ?? 0) + (w2?.DynamicSize(a2) ?? 0) + (w3?.DynamicSize(a3) ?? 0) + (w4?.DynamicSize(a4) ?? 0) + (w5?.DynamicSize(a5) ?? 0) + (w6?.DynamicSize(a6) ?? 0) + (w7?.DynamicSize(a7) ?? 0) + (w8?.DynamicSize(a8) ?? 0));
            if (!writer.IsReserved)
            {
                return;
            }

            w1?.Write(ref writer, a1);
            w2?.Write(ref writer, a2);
            w3?.Write(ref writer, a3);
            w4?.Write(ref writer, a4);
            w5?.Write(ref writer, a5);
            w6?.Write(ref writer, a6);
            w7?.Write(ref writer, a7);
            w8?.Write(ref writer, a8);
            writer.Commit();
        };
        hook.Attach(probe, Hook.DefaultPriority, owner);
        return () => hook.Detach(probe);
    }
}
