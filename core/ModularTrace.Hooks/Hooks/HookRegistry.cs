using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace ModularTrace.Hooks;

/// <summary>
/// The host's table of hooks, by name: what modules attach to and what <see cref="Symvers"/> is made from.
/// </summary>
/// <remarks>Thread-safe. Registration is rare (start-up); lookups take no lock.</remarks>
public sealed partial class HookRegistry
{
    private readonly Lock _gate = new();
    private ImmutableSortedDictionary<string, Hook> _hooks = ImmutableSortedDictionary.Create<string, Hook>(StringComparer.Ordinal);

    /// <summary>Raised once per faulting probe (the probe is already detached when this runs).</summary>
    public event EventHandler<ProbeFault>? ProbeFaulted;

    /// <summary>Every hook, sorted by name (ordinal).</summary>
    public IReadOnlyCollection<Hook> Hooks => _hooks.Values.ToArray();

    /// <summary>The number of hooks.</summary>
    public int Count => _hooks.Count;

    /// <summary>Adds a hook and returns it, so hooks can be declared as <c>readonly</c> fields.</summary>
    /// <exception cref="InvalidOperationException">A hook of that name exists already, or the hook is in another registry.</exception>
    public THook Register<THook>(THook hook)
        where THook : Hook
    {
        ArgumentNullException.ThrowIfNull(hook);
        lock (_gate)
        {
            if (hook.Registry is not null)
            {
                throw new InvalidOperationException($"Hook '{hook.Name}' is registered already.");
            }

            if (_hooks.ContainsKey(hook.Name))
            {
                throw new InvalidOperationException($"A hook named '{hook.Name}' exists already in this registry.");
            }

            hook.Registry = this;
            _hooks = _hooks.Add(hook.Name, hook);
            return hook;
        }
    }

    /// <summary>Looks a hook up by name.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out Hook? hook) => _hooks.TryGetValue(name, out hook);

    /// <summary>Looks a hook up by name and probe type, e.g. <c>Find&lt;Hook&lt;int, string&gt;&gt;("sched_wakeup")</c>.</summary>
    /// <exception cref="KeyNotFoundException">No hook has that name (the kernel's "unknown symbol").</exception>
    /// <exception cref="InvalidCastException">The hook exists with other argument types.</exception>
    public THook Get<THook>(string name)
        where THook : Hook
    {
        if (!TryGet(name, out var hook))
        {
            throw new KeyNotFoundException($"unknown symbol {name}: no hook of that name in this host.");
        }

        return hook as THook ?? throw new InvalidCastException(
            $"Hook '{name}' is {hook.Signature.Prototype}, not the requested {Display(typeof(THook))}.");
    }

    /// <summary><c>Hook&lt;string, int&gt;</c> as C# spells it, not the runtime's <c>Hook`2</c>: the text reaches users.</summary>
    internal static string Display(Type type)
    {
        if (!type.IsGenericType)
        {
            return HookTypes.TryNameOf(type, out var canonical) ? canonical : type.Name;
        }

        var name = type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)];
        return $"{name}<{string.Join(", ", type.GetGenericArguments().Select(Display))}>";
    }

    /// <summary>The symvers table of this registry.</summary>
    public Symvers ToSymvers() => Symvers.FromHooks(_hooks.Values);

    /// <summary>Waits until no detached probe is running on any hook (one process-wide grace period, see <see cref="Hook.Synchronize"/>).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "Public API: callers synchronize the hook (or registry) they detached from; that the grace period is process-wide is an implementation choice.")]
    public void Synchronize() => GracePeriod.Synchronize();

    /// <summary>Detaches every probe of <paramref name="owner"/> from every hook; returns how many.</summary>
    internal int DetachOwnedBy(object owner) => _hooks.Values.Sum(hook => hook.DetachOwnedBy(owner));

    /// <summary>Detaches, from every hook, the probes for which <paramref name="match"/> (probe, owner) is true.</summary>
    internal int DetachWhere(Func<Delegate, object?, bool> match) => _hooks.Values.Sum(hook => hook.DetachWhere(match));

    internal void ReportProbeFault(ProbeFault fault) => ProbeFaulted?.Invoke(this, fault);
}
