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
public abstract partial class Hook
{
    /// <summary>The default probe priority, the kernel's <c>TRACEPOINT_DEFAULT_PRIO</c>. Higher runs first.</summary>
    public const int DefaultPriority = 10;

    // Typed by the arity subclass (ProbeEntry<TProbe>[]); kept here so IsEnabled is one non-virtual load.
    // null means no probe, as the kernel's NULL funcs pointer.
    private protected Array? _probes;

    // What a hook nobody looks at does not need: its signature (made on first use), registry and fault count live in
    // one object made on first use, so an idle hook is its probe pointer, name and argument names (64 B at 3
    // arguments; issue #23).
    private HookState? _state;

    private protected Hook(string name, Type[] types, string[] argumentNames)
    {
        ArgumentNullException.ThrowIfNull(argumentNames);
        if (types.Length != argumentNames.Length)
        {
            throw new ArgumentException($"Hook '{name}' has {types.Length} arguments but {argumentNames.Length} names.", nameof(argumentNames));
        }

        // The arrays are the arity constructor's temporaries: validated here, not kept (the subclass keeps the names).
        HookSignature.Validate(name, types, argumentNames);
        Name = name;
    }

    /// <summary>
    /// Creates the hook <paramref name="signature"/> describes, <c>Hook&lt;T1..Tn&gt;</c> closed over its argument types
    /// (<see cref="NullaryHook"/> for none), unregistered: a host's hook made from its prototype, not its declaration.
    /// </summary>
    /// <exception cref="ArgumentException">The signature has more than <see cref="MaxArguments"/> arguments.</exception>
    public static Hook Create(HookSignature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var arguments = signature.Arguments;
        if (arguments.Length > MaxArguments)
        {
            throw new ArgumentException($"Hook '{signature.Name}' would have {arguments.Length} arguments; a hook has at most {MaxArguments}.", nameof(signature));
        }

        var type = arguments.Length == 0 ? typeof(NullaryHook) : s_arities[arguments.Length].MakeGenericType([.. arguments.Select(a => a.Type)]);
        object[] constructorArguments = [signature.Name, .. arguments.Select(a => a.Name)];
        try
        {
            return (Hook)Activator.CreateInstance(type, constructorArguments)!;
        }
        catch (System.Reflection.TargetInvocationException ex) when (ex.InnerException is ArgumentException inner)
        {
            throw inner;
        }
    }

    /// <summary>The hook name, unique within a registry.</summary>
    public string Name { get; }

    /// <summary>The name and typed arguments, with the prototype and its CRC.</summary>
    public HookSignature Signature
    {
        get
        {
            var state = State;
            var signature = Volatile.Read(ref state.Signature);
            if (signature is null)
            {
                // Racing threads build equal signatures; either may win.
                var types = GetType().GenericTypeArguments;
                var names = ArgumentNames();
                signature = new HookSignature(Name, types.Select((type, i) => new HookArgument(names[i], type)));
                Volatile.Write(ref state.Signature, signature);
            }

            return signature;
        }
    }

    /// <summary>Whether at least one probe is attached; compute costly arguments only when this is true.</summary>
    public bool IsEnabled => _probes is not null;

    /// <summary>The number of attached probes.</summary>
    public int ProbeCount => _probes?.Length ?? 0;

    /// <summary>How many probe invocations threw (each such probe was then detached).</summary>
    public long FaultCount => _state is { } state ? Interlocked.Read(ref state.Faults) : 0;

    /// <summary>The registry this hook belongs to, once registered.</summary>
    /// <remarks>Internal: a module holding one hook must not reach the others through it (each hook a module uses is
    /// declared and CRC-checked at load).</remarks>
    internal HookRegistry? Registry
    {
        get => _state?.Registry;
        set => State.Registry = value;
    }

    private HookState State
    {
        get
        {
            var state = Volatile.Read(ref _state);
            return state ?? Interlocked.CompareExchange(ref _state, new HookState(), null) ?? _state!;
        }
    }

    /// <summary>The attached probes in calling order.</summary>
    public abstract ImmutableArray<ProbeInfo> GetProbes();

    /// <summary>
    /// Sets what runs when the first probe is attached (<paramref name="register"/>) and when the last one is
    /// detached (<paramref name="unregister"/>): the kernel's <c>TRACE_EVENT_FN</c> regfunc/unregfunc, so whatever
    /// feeds the hook (a subscription to a runtime source) exists only while someone listens.
    /// </summary>
    /// <remarks>
    /// Both run under the hook's attach lock, <paramref name="register"/> before the first probe is published and
    /// <paramref name="unregister"/> after the last is removed (also when a faulting probe is detached on a firing
    /// thread); they must not attach or detach probes. If <paramref name="register"/> throws, the attach fails and
    /// nothing is attached. Firing never reads them.
    /// </remarks>
    /// <exception cref="InvalidOperationException">Callbacks are set already, or a probe is attached.</exception>
    public void SetRegistration(Action register, Action unregister)
    {
        ArgumentNullException.ThrowIfNull(register);
        ArgumentNullException.ThrowIfNull(unregister);
        var state = State;
        lock (state)
        {
            if (state.Register is not null || _probes is not null)
            {
                throw new InvalidOperationException($"Hook '{Name}' has its registration callbacks or probes already; set them once, before attaching.");
            }

            state.Unregister = unregister;
            Volatile.Write(ref state.Register, register);
        }
    }

    /// <summary>Runs the first-attach callback, if any (under the attach lock, before publishing).</summary>
    private protected void OnFirstAttach() => Volatile.Read(ref _state)?.Register?.Invoke();

    /// <summary>Runs the last-detach callback, if any (under the attach lock, after publishing null).</summary>
    private protected void OnLastDetach() => Volatile.Read(ref _state)?.Unregister?.Invoke();

    /// <summary>
    /// Detaches every probe and reports each as faulting with <paramref name="exception"/> (counted, taint Q through
    /// <see cref="HookRegistry.ProbeFaulted"/>): for a feeder that cannot produce the hook's arguments, such as a
    /// runtime payload whose shape changed, the same outcome as a probe that threw.
    /// </summary>
    /// <returns>How many probes were detached.</returns>
    internal int FaultAll(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var owners = new List<object?>();
        var count = DetachWhere((_, owner) =>
        {
            owners.Add(owner);
            return true;
        });
        foreach (var owner in owners)
        {
            CountFault(owner, exception);
        }

        return count;
    }

    /// <summary>Detaches every probe attached with <paramref name="owner"/>; returns how many.</summary>
    /// <remarks>Internal: owners are the loader's; a module must not detach another's probes.</remarks>
    internal int DetachOwnedBy(object owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return DetachWhere((_, o) => ReferenceEquals(o, owner));
    }

    /// <summary>Detaches every probe for which <paramref name="match"/> (probe, owner) is true; returns how many.</summary>
    internal abstract int DetachWhere(Func<Delegate, object?, bool> match);

    /// <summary>
    /// Returns only when no thread is still running a probe that was detached before this call
    /// (the kernel's <c>tracepoint_synchronize_unregister</c>). Call it before releasing whatever a detached
    /// probe uses, such as a module's load context. Do not call it from inside a probe.
    /// </summary>
    /// <remarks>
    /// The grace period is process-wide, as the kernel's: it also waits for firings of other hooks that were running
    /// when it started (<see cref="GracePeriod"/>), so one call after detaching from many hooks covers them all.
    /// </remarks>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "Public API: callers synchronize the hook (or registry) they detached from; that the grace period is process-wide is an implementation choice.")]
    public void Synchronize() => GracePeriod.Synchronize();

    private protected void CountFault(object? owner, Exception exception)
    {
        Interlocked.Increment(ref State.Faults);
        Registry?.ReportProbeFault(new ProbeFault(this, owner, exception));
    }

    /// <summary>The argument names in declaration order (a new array; kept by the arity subclass as fields).</summary>
    private protected abstract string[] ArgumentNames();

    /// <inheritdoc />
    public override string ToString() => Signature.Prototype;

    // Fields, not properties, so Interlocked and Volatile can take them by reference.
    private sealed class HookState
    {
        public HookSignature? Signature;
        public HookRegistry? Registry;
        public long Faults;
        public Action? Register;
        public Action? Unregister;
    }
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
