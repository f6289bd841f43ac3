using System.Collections.Immutable;
using System.Runtime.CompilerServices;

namespace ModularTrace.Hooks;

/// <summary>The probe array of a hook whose probes are <typeparamref name="TProbe"/> delegates.</summary>
/// <typeparam name="TProbe">The probe delegate type, <c>Action&lt;T1, ...&gt;</c>.</typeparam>
public abstract class ProbeSite<TProbe> : Hook
    where TProbe : Delegate
{
    // Attach and detach are rare (module load and unload) and never on the firing path: one lock per probe type
    // serves every hook of that arity, instead of a lock object per hook.
    private static readonly Lock s_gate = new();

    private protected ProbeSite(string name, Type[] types, string[] argumentNames)
        : base(name, types, argumentNames)
    {
    }

    /// <summary>Attaches a probe; higher priority runs first, equal priorities in attach order.</summary>
    /// <remarks>Without an <paramref name="owner"/>, the probe belongs to the module whose entry is running on this
    /// logical flow (<see cref="ProbeOwner"/>), so that module's unload detaches it too.</remarks>
    /// <exception cref="InvalidOperationException">The same probe (method and target) is already attached (the kernel's EEXIST).</exception>
    public void Attach(TProbe probe, int priority = DefaultPriority, object? owner = null)
    {
        if (!TryAttach(probe, priority, owner))
        {
            throw new InvalidOperationException(
                $"Probe '{probe.Method.Name}' is already attached to hook '{Name}' (EEXIST); detach it first.");
        }
    }

    /// <summary>Attaches a probe unless the same one is attached already; returns false in that case.</summary>
    public bool TryAttach(TProbe probe, int priority = DefaultPriority, object? owner = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        lock (s_gate)
        {
            var current = Current;
            if (current is not null && IndexOf(current, probe) >= 0)
            {
                return false;
            }

            var length = current?.Length ?? 0;
            var next = new ProbeEntry<TProbe>[length + 1];
            var at = 0;
            // As the kernel's func_add: insert before the first probe of lower priority.
            while (at < length && current![at].Priority >= priority)
            {
                at++;
            }

            if (current is not null)
            {
                Array.Copy(current, 0, next, 0, at);
                Array.Copy(current, at, next, at + 1, length - at);
            }

            next[at] = new ProbeEntry<TProbe>(probe, priority, owner ?? ProbeOwner.Current);
            if (current is null)
            {
                // Before publishing, as the kernel's tracepoint_add_func calls regfunc: the feeder is up when the probe can run.
                OnFirstAttach();
            }

            Publish(next);
            return true;
        }
    }

    /// <summary>Detaches a probe; returns false when it was not attached (ENOENT).</summary>
    /// <remarks>A thread already firing may still call the probe once; <see cref="Hook.Synchronize"/> waits for it.</remarks>
    public bool Detach(TProbe probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        lock (s_gate)
        {
            var current = Current;
            var index = current is null ? -1 : IndexOf(current, probe);
            if (index < 0)
            {
                return false;
            }

            var last = current!.Length == 1;
            Publish(last ? null : [.. current.AsSpan(0, index), .. current.AsSpan(index + 1)]);
            if (last)
            {
                OnLastDetach();
            }

            return true;
        }
    }

    /// <inheritdoc />
    internal override int DetachWhere(Func<Delegate, object?, bool> match)
    {
        lock (s_gate)
        {
            var current = Current;
            if (current is null)
            {
                return 0;
            }

            var kept = current.Where(entry => !match(entry.Callback, entry.Owner)).ToArray();
            Publish(kept.Length == 0 ? null : kept);
            if (kept.Length == 0)
            {
                OnLastDetach();
            }

            return current.Length - kept.Length;
        }
    }

    /// <inheritdoc />
    public override ImmutableArray<ProbeInfo> GetProbes()
    {
        var current = Current;
        return current is null
            ? []
            : [.. current.Select(entry => new ProbeInfo(entry.Priority, entry.Owner, entry.Callback.Method.Name))];
    }

    private ProbeEntry<TProbe>[]? Current => Unsafe.As<ProbeEntry<TProbe>[]?>(Volatile.Read(ref _probes));

    private void Publish(ProbeEntry<TProbe>[]? next) => Volatile.Write(ref _probes, next);

    private static int IndexOf(ProbeEntry<TProbe>[] entries, TProbe probe)
    {
        for (var i = 0; i < entries.Length; i++)
        {
            if (entries[i].Callback.Equals(probe))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The probe array as the firing path reads it (see each arity's <c>FireSlow</c>).</summary>
    private protected ProbeEntry<TProbe>[]? Probes
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Current;
    }

    /// <summary>A probe threw while firing: never into the traced program; count, detach it, report once (kernel: WARN_ONCE).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private protected void Fault(in ProbeEntry<TProbe> probe, Exception exception)
    {
        Detach(probe.Callback);
        CountFault(probe.Owner, exception);
    }
}

/// <summary>One attached probe.</summary>
internal readonly record struct ProbeEntry<TProbe>(TProbe Callback, int Priority, object? Owner)
    where TProbe : Delegate;
