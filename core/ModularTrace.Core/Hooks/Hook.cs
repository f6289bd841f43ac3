using System.Collections.Immutable;

namespace ModularTrace.Hooks;

/// <summary>
/// A raw hook: a named point in the host program that probes can attach to (the kernel's bare tracepoint).
/// A hook defines no trace event; modules build events on it.
/// </summary>
/// <remarks>
/// Firing a hook with no probe attached is one load and one branch. Probes live in a copy-on-write array that
/// <c>Attach</c>/<c>Detach</c> replace under a lock and publish with a release write, so firing never locks.
/// A probe that throws is caught, counted, detached and reported once through <see cref="HookRegistry.ProbeFaulted"/>;
/// it never propagates into the traced program. See <see cref="Synchronize"/> for the unload rule.
/// </remarks>
public abstract class Hook
{
    /// <summary>The default probe priority, the kernel's <c>TRACEPOINT_DEFAULT_PRIO</c>. Higher runs first.</summary>
    public const int DefaultPriority = 10;

    // Typed by the arity subclass (ProbeEntry<TProbe>[]); kept here so IsEnabled is one non-virtual load.
    // null means no probe, as the kernel's NULL funcs pointer.
    private protected Array? _probes;

    // Two in-flight counters, selected by the low bit of _epoch (a two-slot SRCU). Firing increments the current
    // slot before it reads the probe array; Synchronize flips the epoch and waits for the old slot to drain.
    private int _epoch;
    private int _inflight0;
    private int _inflight1;
    private long _faults;
    private readonly Lock _syncGate = new();

    private protected Hook(string name, Type[] types, string[] argumentNames)
    {
        ArgumentNullException.ThrowIfNull(argumentNames);
        if (types.Length != argumentNames.Length)
        {
            throw new ArgumentException($"Hook '{name}' has {types.Length} arguments but {argumentNames.Length} names.", nameof(argumentNames));
        }

        Signature = new HookSignature(name, types.Select((type, i) => new HookArgument(argumentNames[i], type)));
    }

    /// <summary>The hook name, unique within a registry.</summary>
    public string Name => Signature.Name;

    /// <summary>The name and typed arguments, with the prototype and its CRC.</summary>
    public HookSignature Signature { get; }

    /// <summary>Whether at least one probe is attached; compute costly arguments only when this is true.</summary>
    public bool IsEnabled => _probes is not null;

    /// <summary>The number of attached probes.</summary>
    public int ProbeCount => _probes?.Length ?? 0;

    /// <summary>How many probe invocations threw (each such probe was then detached).</summary>
    public long FaultCount => Interlocked.Read(ref _faults);

    /// <summary>The registry this hook belongs to, once registered.</summary>
    public HookRegistry? Registry { get; internal set; }

    /// <summary>The attached probes in calling order.</summary>
    public abstract ImmutableArray<ProbeInfo> GetProbes();

    /// <summary>Detaches every probe attached with <paramref name="owner"/>; returns how many.</summary>
    public abstract int DetachOwnedBy(object owner);

    /// <summary>
    /// Returns only when no thread is still running a probe that was detached before this call
    /// (the kernel's <c>tracepoint_synchronize_unregister</c>). Call it before releasing whatever a detached
    /// probe uses, such as a module's load context. Do not call it from inside a probe.
    /// </summary>
    public void Synchronize()
    {
        lock (_syncGate)
        {
            // Readers that picked the old slot may still increment it after the flip; they then read the probe
            // array after their (fully fenced) increment, so they see the array published before this call.
            var old = Interlocked.Increment(ref _epoch) - 1;
            var spin = new SpinWait();
            while (Volatile.Read(ref (old & 1) == 0 ? ref _inflight0 : ref _inflight1) != 0)
            {
                spin.SpinOnce();
            }
        }
    }

    private protected int EnterFiring()
    {
        var slot = Volatile.Read(ref _epoch) & 1;
        Interlocked.Increment(ref slot == 0 ? ref _inflight0 : ref _inflight1);
        return slot;
    }

    private protected void ExitFiring(int slot) => Interlocked.Decrement(ref slot == 0 ? ref _inflight0 : ref _inflight1);

    private protected void CountFault(object? owner, Exception exception)
    {
        Interlocked.Increment(ref _faults);
        Registry?.ReportProbeFault(new ProbeFault(this, owner, exception));
    }

    /// <inheritdoc />
    public override string ToString() => Signature.Prototype;
}

/// <summary>A probe as listed by <see cref="Hook.GetProbes"/>.</summary>
/// <param name="Priority">Its priority; higher runs first.</param>
/// <param name="Owner">Whatever attached it (a module), or null.</param>
/// <param name="Method">The probe method's name, for listings.</param>
public sealed record ProbeInfo(int Priority, object? Owner, string Method);

/// <summary>A probe that threw, as reported once through <see cref="HookRegistry.ProbeFaulted"/>.</summary>
/// <param name="Hook">The hook that was firing.</param>
/// <param name="Owner">The probe's owner (a module), or null.</param>
/// <param name="Exception">What the probe threw.</param>
public sealed record ProbeFault(Hook Hook, object? Owner, Exception Exception);
