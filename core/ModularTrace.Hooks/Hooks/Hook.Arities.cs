using System.Runtime.CompilerServices;
using ModularTrace.Tasks;

namespace ModularTrace.Hooks;

// One class per arity, as Action<...> is; attach, detach and fault handling live in ProbeSite<TProbe>.
// Each arity has its own FireSlow loop rather than one generic ProbeSite method over an argument struct: a hook with a
// reference-type argument runs shared generic code, and the generic method's struct (holding that argument) cost
// runtime generic-dictionary lookups on every firing (issue #23, measured with FireEmptyProbe).

/// <summary>A raw hook with 0 arguments.</summary>
public sealed class NullaryHook : ProbeSite<Action>
{
    /// <summary>Declares the hook.</summary><param name="name">The hook name.</param>
    public NullaryHook(string name)
        : base(name, [], [])
    {
    }

    private protected override string[] ArgumentNames() => [];

    /// <summary>Calls the attached probes; with none attached, one load and one branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fire()
    {
        if (_probes is not null)
        {
            FireSlow();
        }
    }

    // Out of line, so Fire stays a load and a branch (kernel: __DO_TRACE behind the static branch).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FireSlow()
    {
        var reader = ThreadTraceState.Current;
        var parity = GracePeriod.Enter(reader);
        try
        {
            // Re-read after entering: Synchronize relies on this read following the in-flight increment.
            var probes = Probes;
            if (probes is null)
            {
                return;
            }

            for (var i = 0; i < probes.Length; i++)
            {
                try
                {
                    probes[i].Callback();
                }
                catch (Exception ex)
                {
                    Fault(probes[i], ex);
                }
            }
        }
        finally
        {
            GracePeriod.Exit(reader, parity);
        }
    }
}

/// <summary>A raw hook with 1 argument.</summary>
/// <typeparam name="T1">Argument 1's type.</typeparam>
public sealed class Hook<T1> : ProbeSite<Action<T1>>
{
    // The names, not an array of them: one reference each (an array would add 24 B of header).
    private readonly string _arg1;

    /// <summary>Declares the hook.</summary><param name="name">The hook name.</param><param name="arg1">Argument 1's name.</param>
    public Hook(string name, string arg1)
        : base(name, [typeof(T1)], [arg1])
    {
        _arg1 = arg1;
    }

    private protected override string[] ArgumentNames() => [_arg1];

    /// <summary>Calls the attached probes; with none attached, one load and one branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fire(T1 a1)
    {
        if (_probes is not null)
        {
            FireSlow(a1);
        }
    }

    // Out of line, so Fire stays a load and a branch (kernel: __DO_TRACE behind the static branch).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FireSlow(T1 a1)
    {
        var reader = ThreadTraceState.Current;
        var parity = GracePeriod.Enter(reader);
        try
        {
            // Re-read after entering: Synchronize relies on this read following the in-flight increment.
            var probes = Probes;
            if (probes is null)
            {
                return;
            }

            for (var i = 0; i < probes.Length; i++)
            {
                try
                {
                    probes[i].Callback(a1);
                }
                catch (Exception ex)
                {
                    Fault(probes[i], ex);
                }
            }
        }
        finally
        {
            GracePeriod.Exit(reader, parity);
        }
    }
}

/// <summary>A raw hook with 2 arguments.</summary>
/// <typeparam name="T1">Argument 1's type.</typeparam>
/// <typeparam name="T2">Argument 2's type.</typeparam>
public sealed class Hook<T1, T2> : ProbeSite<Action<T1, T2>>
{
    // The names, not an array of them: one reference each (an array would add 24 B of header).
    private readonly string _arg1, _arg2;

    /// <summary>Declares the hook.</summary><param name="name">The hook name.</param><param name="arg1">Argument 1's name.</param><param name="arg2">Argument 2's name.</param>
    public Hook(string name, string arg1, string arg2)
        : base(name, [typeof(T1), typeof(T2)], [arg1, arg2])
    {
        _arg1 = arg1;
        _arg2 = arg2;
    }

    private protected override string[] ArgumentNames() => [_arg1, _arg2];

    /// <summary>Calls the attached probes; with none attached, one load and one branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fire(T1 a1, T2 a2)
    {
        if (_probes is not null)
        {
            FireSlow(a1, a2);
        }
    }

    // Out of line, so Fire stays a load and a branch (kernel: __DO_TRACE behind the static branch).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FireSlow(T1 a1, T2 a2)
    {
        var reader = ThreadTraceState.Current;
        var parity = GracePeriod.Enter(reader);
        try
        {
            // Re-read after entering: Synchronize relies on this read following the in-flight increment.
            var probes = Probes;
            if (probes is null)
            {
                return;
            }

            for (var i = 0; i < probes.Length; i++)
            {
                try
                {
                    probes[i].Callback(a1, a2);
                }
                catch (Exception ex)
                {
                    Fault(probes[i], ex);
                }
            }
        }
        finally
        {
            GracePeriod.Exit(reader, parity);
        }
    }
}

/// <summary>A raw hook with 3 arguments.</summary>
/// <typeparam name="T1">Argument 1's type.</typeparam>
/// <typeparam name="T2">Argument 2's type.</typeparam>
/// <typeparam name="T3">Argument 3's type.</typeparam>
public sealed class Hook<T1, T2, T3> : ProbeSite<Action<T1, T2, T3>>
{
    // The names, not an array of them: one reference each (an array would add 24 B of header).
    private readonly string _arg1, _arg2, _arg3;

    /// <summary>Declares the hook.</summary><param name="name">The hook name.</param><param name="arg1">Argument 1's name.</param><param name="arg2">Argument 2's name.</param><param name="arg3">Argument 3's name.</param>
    public Hook(string name, string arg1, string arg2, string arg3)
        : base(name, [typeof(T1), typeof(T2), typeof(T3)], [arg1, arg2, arg3])
    {
        _arg1 = arg1;
        _arg2 = arg2;
        _arg3 = arg3;
    }

    private protected override string[] ArgumentNames() => [_arg1, _arg2, _arg3];

    /// <summary>Calls the attached probes; with none attached, one load and one branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fire(T1 a1, T2 a2, T3 a3)
    {
        if (_probes is not null)
        {
            FireSlow(a1, a2, a3);
        }
    }

    // Out of line, so Fire stays a load and a branch (kernel: __DO_TRACE behind the static branch).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FireSlow(T1 a1, T2 a2, T3 a3)
    {
        var reader = ThreadTraceState.Current;
        var parity = GracePeriod.Enter(reader);
        try
        {
            // Re-read after entering: Synchronize relies on this read following the in-flight increment.
            var probes = Probes;
            if (probes is null)
            {
                return;
            }

            for (var i = 0; i < probes.Length; i++)
            {
                try
                {
                    probes[i].Callback(a1, a2, a3);
                }
                catch (Exception ex)
                {
                    Fault(probes[i], ex);
                }
            }
        }
        finally
        {
            GracePeriod.Exit(reader, parity);
        }
    }
}

/// <summary>A raw hook with 4 arguments.</summary>
/// <typeparam name="T1">Argument 1's type.</typeparam>
/// <typeparam name="T2">Argument 2's type.</typeparam>
/// <typeparam name="T3">Argument 3's type.</typeparam>
/// <typeparam name="T4">Argument 4's type.</typeparam>
public sealed class Hook<T1, T2, T3, T4> : ProbeSite<Action<T1, T2, T3, T4>>
{
    // The names, not an array of them: one reference each (an array would add 24 B of header).
    private readonly string _arg1, _arg2, _arg3, _arg4;

    /// <summary>Declares the hook.</summary><param name="name">The hook name.</param><param name="arg1">Argument 1's name.</param><param name="arg2">Argument 2's name.</param><param name="arg3">Argument 3's name.</param><param name="arg4">Argument 4's name.</param>
    public Hook(string name, string arg1, string arg2, string arg3, string arg4)
        : base(name, [typeof(T1), typeof(T2), typeof(T3), typeof(T4)], [arg1, arg2, arg3, arg4])
    {
        _arg1 = arg1;
        _arg2 = arg2;
        _arg3 = arg3;
        _arg4 = arg4;
    }

    private protected override string[] ArgumentNames() => [_arg1, _arg2, _arg3, _arg4];

    /// <summary>Calls the attached probes; with none attached, one load and one branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fire(T1 a1, T2 a2, T3 a3, T4 a4)
    {
        if (_probes is not null)
        {
            FireSlow(a1, a2, a3, a4);
        }
    }

    // Out of line, so Fire stays a load and a branch (kernel: __DO_TRACE behind the static branch).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FireSlow(T1 a1, T2 a2, T3 a3, T4 a4)
    {
        var reader = ThreadTraceState.Current;
        var parity = GracePeriod.Enter(reader);
        try
        {
            // Re-read after entering: Synchronize relies on this read following the in-flight increment.
            var probes = Probes;
            if (probes is null)
            {
                return;
            }

            for (var i = 0; i < probes.Length; i++)
            {
                try
                {
                    probes[i].Callback(a1, a2, a3, a4);
                }
                catch (Exception ex)
                {
                    Fault(probes[i], ex);
                }
            }
        }
        finally
        {
            GracePeriod.Exit(reader, parity);
        }
    }
}

/// <summary>A raw hook with 5 arguments.</summary>
/// <typeparam name="T1">Argument 1's type.</typeparam>
/// <typeparam name="T2">Argument 2's type.</typeparam>
/// <typeparam name="T3">Argument 3's type.</typeparam>
/// <typeparam name="T4">Argument 4's type.</typeparam>
/// <typeparam name="T5">Argument 5's type.</typeparam>
public sealed class Hook<T1, T2, T3, T4, T5> : ProbeSite<Action<T1, T2, T3, T4, T5>>
{
    // The names, not an array of them: one reference each (an array would add 24 B of header).
    private readonly string _arg1, _arg2, _arg3, _arg4, _arg5;

    /// <summary>Declares the hook.</summary><param name="name">The hook name.</param><param name="arg1">Argument 1's name.</param><param name="arg2">Argument 2's name.</param><param name="arg3">Argument 3's name.</param><param name="arg4">Argument 4's name.</param><param name="arg5">Argument 5's name.</param>
    public Hook(string name, string arg1, string arg2, string arg3, string arg4, string arg5)
        : base(name, [typeof(T1), typeof(T2), typeof(T3), typeof(T4), typeof(T5)], [arg1, arg2, arg3, arg4, arg5])
    {
        _arg1 = arg1;
        _arg2 = arg2;
        _arg3 = arg3;
        _arg4 = arg4;
        _arg5 = arg5;
    }

    private protected override string[] ArgumentNames() => [_arg1, _arg2, _arg3, _arg4, _arg5];

    /// <summary>Calls the attached probes; with none attached, one load and one branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fire(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5)
    {
        if (_probes is not null)
        {
            FireSlow(a1, a2, a3, a4, a5);
        }
    }

    // Out of line, so Fire stays a load and a branch (kernel: __DO_TRACE behind the static branch).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FireSlow(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5)
    {
        var reader = ThreadTraceState.Current;
        var parity = GracePeriod.Enter(reader);
        try
        {
            // Re-read after entering: Synchronize relies on this read following the in-flight increment.
            var probes = Probes;
            if (probes is null)
            {
                return;
            }

            for (var i = 0; i < probes.Length; i++)
            {
                try
                {
                    probes[i].Callback(a1, a2, a3, a4, a5);
                }
                catch (Exception ex)
                {
                    Fault(probes[i], ex);
                }
            }
        }
        finally
        {
            GracePeriod.Exit(reader, parity);
        }
    }
}

/// <summary>A raw hook with 6 arguments.</summary>
/// <typeparam name="T1">Argument 1's type.</typeparam>
/// <typeparam name="T2">Argument 2's type.</typeparam>
/// <typeparam name="T3">Argument 3's type.</typeparam>
/// <typeparam name="T4">Argument 4's type.</typeparam>
/// <typeparam name="T5">Argument 5's type.</typeparam>
/// <typeparam name="T6">Argument 6's type.</typeparam>
public sealed class Hook<T1, T2, T3, T4, T5, T6> : ProbeSite<Action<T1, T2, T3, T4, T5, T6>>
{
    // The names, not an array of them: one reference each (an array would add 24 B of header).
    private readonly string _arg1, _arg2, _arg3, _arg4, _arg5, _arg6;

    /// <summary>Declares the hook.</summary><param name="name">The hook name.</param><param name="arg1">Argument 1's name.</param><param name="arg2">Argument 2's name.</param><param name="arg3">Argument 3's name.</param><param name="arg4">Argument 4's name.</param><param name="arg5">Argument 5's name.</param><param name="arg6">Argument 6's name.</param>
    public Hook(string name, string arg1, string arg2, string arg3, string arg4, string arg5, string arg6)
        : base(name, [typeof(T1), typeof(T2), typeof(T3), typeof(T4), typeof(T5), typeof(T6)], [arg1, arg2, arg3, arg4, arg5, arg6])
    {
        _arg1 = arg1;
        _arg2 = arg2;
        _arg3 = arg3;
        _arg4 = arg4;
        _arg5 = arg5;
        _arg6 = arg6;
    }

    private protected override string[] ArgumentNames() => [_arg1, _arg2, _arg3, _arg4, _arg5, _arg6];

    /// <summary>Calls the attached probes; with none attached, one load and one branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fire(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6)
    {
        if (_probes is not null)
        {
            FireSlow(a1, a2, a3, a4, a5, a6);
        }
    }

    // Out of line, so Fire stays a load and a branch (kernel: __DO_TRACE behind the static branch).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FireSlow(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6)
    {
        var reader = ThreadTraceState.Current;
        var parity = GracePeriod.Enter(reader);
        try
        {
            // Re-read after entering: Synchronize relies on this read following the in-flight increment.
            var probes = Probes;
            if (probes is null)
            {
                return;
            }

            for (var i = 0; i < probes.Length; i++)
            {
                try
                {
                    probes[i].Callback(a1, a2, a3, a4, a5, a6);
                }
                catch (Exception ex)
                {
                    Fault(probes[i], ex);
                }
            }
        }
        finally
        {
            GracePeriod.Exit(reader, parity);
        }
    }
}

/// <summary>A raw hook with 7 arguments.</summary>
/// <typeparam name="T1">Argument 1's type.</typeparam>
/// <typeparam name="T2">Argument 2's type.</typeparam>
/// <typeparam name="T3">Argument 3's type.</typeparam>
/// <typeparam name="T4">Argument 4's type.</typeparam>
/// <typeparam name="T5">Argument 5's type.</typeparam>
/// <typeparam name="T6">Argument 6's type.</typeparam>
/// <typeparam name="T7">Argument 7's type.</typeparam>
public sealed class Hook<T1, T2, T3, T4, T5, T6, T7> : ProbeSite<Action<T1, T2, T3, T4, T5, T6, T7>>
{
    // The names, not an array of them: one reference each (an array would add 24 B of header).
    private readonly string _arg1, _arg2, _arg3, _arg4, _arg5, _arg6, _arg7;

    /// <summary>Declares the hook.</summary><param name="name">The hook name.</param><param name="arg1">Argument 1's name.</param><param name="arg2">Argument 2's name.</param><param name="arg3">Argument 3's name.</param><param name="arg4">Argument 4's name.</param><param name="arg5">Argument 5's name.</param><param name="arg6">Argument 6's name.</param><param name="arg7">Argument 7's name.</param>
    public Hook(string name, string arg1, string arg2, string arg3, string arg4, string arg5, string arg6, string arg7)
        : base(name, [typeof(T1), typeof(T2), typeof(T3), typeof(T4), typeof(T5), typeof(T6), typeof(T7)], [arg1, arg2, arg3, arg4, arg5, arg6, arg7])
    {
        _arg1 = arg1;
        _arg2 = arg2;
        _arg3 = arg3;
        _arg4 = arg4;
        _arg5 = arg5;
        _arg6 = arg6;
        _arg7 = arg7;
    }

    private protected override string[] ArgumentNames() => [_arg1, _arg2, _arg3, _arg4, _arg5, _arg6, _arg7];

    /// <summary>Calls the attached probes; with none attached, one load and one branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fire(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7)
    {
        if (_probes is not null)
        {
            FireSlow(a1, a2, a3, a4, a5, a6, a7);
        }
    }

    // Out of line, so Fire stays a load and a branch (kernel: __DO_TRACE behind the static branch).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FireSlow(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7)
    {
        var reader = ThreadTraceState.Current;
        var parity = GracePeriod.Enter(reader);
        try
        {
            // Re-read after entering: Synchronize relies on this read following the in-flight increment.
            var probes = Probes;
            if (probes is null)
            {
                return;
            }

            for (var i = 0; i < probes.Length; i++)
            {
                try
                {
                    probes[i].Callback(a1, a2, a3, a4, a5, a6, a7);
                }
                catch (Exception ex)
                {
                    Fault(probes[i], ex);
                }
            }
        }
        finally
        {
            GracePeriod.Exit(reader, parity);
        }
    }
}

/// <summary>A raw hook with 8 arguments.</summary>
/// <typeparam name="T1">Argument 1's type.</typeparam>
/// <typeparam name="T2">Argument 2's type.</typeparam>
/// <typeparam name="T3">Argument 3's type.</typeparam>
/// <typeparam name="T4">Argument 4's type.</typeparam>
/// <typeparam name="T5">Argument 5's type.</typeparam>
/// <typeparam name="T6">Argument 6's type.</typeparam>
/// <typeparam name="T7">Argument 7's type.</typeparam>
/// <typeparam name="T8">Argument 8's type.</typeparam>
public sealed class Hook<T1, T2, T3, T4, T5, T6, T7, T8> : ProbeSite<Action<T1, T2, T3, T4, T5, T6, T7, T8>>
{
    // The names, not an array of them: one reference each (an array would add 24 B of header).
    private readonly string _arg1, _arg2, _arg3, _arg4, _arg5, _arg6, _arg7, _arg8;

    /// <summary>Declares the hook.</summary><param name="name">The hook name.</param><param name="arg1">Argument 1's name.</param><param name="arg2">Argument 2's name.</param><param name="arg3">Argument 3's name.</param><param name="arg4">Argument 4's name.</param><param name="arg5">Argument 5's name.</param><param name="arg6">Argument 6's name.</param><param name="arg7">Argument 7's name.</param><param name="arg8">Argument 8's name.</param>
    public Hook(string name, string arg1, string arg2, string arg3, string arg4, string arg5, string arg6, string arg7, string arg8)
        : base(name, [typeof(T1), typeof(T2), typeof(T3), typeof(T4), typeof(T5), typeof(T6), typeof(T7), typeof(T8)], [arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8])
    {
        _arg1 = arg1;
        _arg2 = arg2;
        _arg3 = arg3;
        _arg4 = arg4;
        _arg5 = arg5;
        _arg6 = arg6;
        _arg7 = arg7;
        _arg8 = arg8;
    }

    private protected override string[] ArgumentNames() => [_arg1, _arg2, _arg3, _arg4, _arg5, _arg6, _arg7, _arg8];

    /// <summary>Calls the attached probes; with none attached, one load and one branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fire(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8)
    {
        if (_probes is not null)
        {
            FireSlow(a1, a2, a3, a4, a5, a6, a7, a8);
        }
    }

    // Out of line, so Fire stays a load and a branch (kernel: __DO_TRACE behind the static branch).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FireSlow(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8)
    {
        var reader = ThreadTraceState.Current;
        var parity = GracePeriod.Enter(reader);
        try
        {
            // Re-read after entering: Synchronize relies on this read following the in-flight increment.
            var probes = Probes;
            if (probes is null)
            {
                return;
            }

            for (var i = 0; i < probes.Length; i++)
            {
                try
                {
                    probes[i].Callback(a1, a2, a3, a4, a5, a6, a7, a8);
                }
                catch (Exception ex)
                {
                    Fault(probes[i], ex);
                }
            }
        }
        finally
        {
            GracePeriod.Exit(reader, parity);
        }
    }
}
