using System.Collections.Frozen;
using ModularTrace.Events;
using ModularTrace.Hooks;

namespace ModularTrace.Modules;

/// <summary>What a module's <see cref="ITraceModule.Init"/> works with: the hooks it declared and the trace session.</summary>
/// <remarks>Everything attached or defined through the context is owned by the module and undone on unload.</remarks>
public sealed partial class ModuleContext
{
    private readonly HookRegistry _hooks;
    private readonly FrozenSet<string> _declaredHooks;

    internal ModuleContext(string name, HookRegistry hooks, TraceSession session, IEnumerable<string> declaredHooks, object owner)
    {
        Name = name;
        _hooks = hooks;
        Session = session;
        _declaredHooks = declaredHooks.ToFrozenSet(StringComparer.Ordinal);
        Owner = owner;
    }

    /// <summary>The module name.</summary>
    public string Name { get; }

    /// <summary>The session events write into.</summary>
    internal TraceSession Session { get; }

    /// <summary>The owner token probes and events are registered with.</summary>
    internal object Owner { get; }

    /// <summary>A hook the module declared (in its <c>__versions</c>), typed as the module expects it.</summary>
    /// <exception cref="InvalidOperationException">The module did not declare the hook: modpost never checked its CRC.</exception>
    /// <exception cref="InvalidCastException">The host's hook has other argument types.</exception>
    public THook Hook<THook>(string name)
        where THook : Hook
    {
        if (!_declaredHooks.Contains(name))
        {
            throw new InvalidOperationException(
                $"{Name}: hook '{name}' is not in the module's __versions; add it to the module's <ModuleHook> items so modpost records its CRC.");
        }

        return _hooks.Get<THook>(name);
    }

    /// <summary>Attaches a probe owned by this module.</summary>
    public void Attach<TProbe>(ProbeSite<TProbe> hook, TProbe probe, int priority = Hooks.Hook.DefaultPriority)
        where TProbe : Delegate
    {
        RequireDeclared(hook);
        hook.Attach(probe, priority, Owner);
    }

    // Record's probes: on the hook only while the event is enabled (TraceEvent.Bind), owned by this module so that
    // unload detaches one that is attached.
    private void Bind<TProbe>(ProbeSite<TProbe> hook, TraceEvent ev, TProbe probe)
        where TProbe : Delegate
    {
        RequireDeclared(hook);
        RequireOwn(ev);
        var owner = Owner;
        ev.Bind(() => hook.TryAttach(probe, Hooks.Hook.DefaultPriority, owner), () => hook.Detach(probe));
    }

    private void RequireDeclared(Hook hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        if (!_declaredHooks.Contains(hook.Name))
        {
            throw new InvalidOperationException(
                $"{Name}: hook '{hook.Name}' is not in the module's __versions; add it to the module's <ModuleHook> items so modpost records its CRC.");
        }
    }

    /// <summary>Defines an event owned by this module; it starts disabled.</summary>
    public TraceEvent DefineEvent(string system, string name, EventClass eventClass) => Session.Define(system, name, eventClass, Owner);

    // Record's probes write into events of this module only: another module's event would stay written to after its
    // owner unloaded it, and its format would not be this module's to promise.
    private void RequireOwn(TraceEvent ev)
    {
        if (!ReferenceEquals(ev.Owner, Owner))
        {
            throw new InvalidOperationException($"{Name}: event '{ev.FullName}' was not defined by this module; Record writes only into events from its own DefineEvent.");
        }
    }
}
