using System.Collections.Immutable;
using ModularTrace.Hooks;

namespace ModularTrace.Events.Dynamic;

/// <summary>A parsed dynamic-event definition: where the event goes, which hook it reads, which arguments and how.</summary>
/// <param name="Group">The event's system (default <c>dynamic</c>, or <c>functions</c> for a function event).</param>
/// <param name="Event">The event name (default: the hook's name, or the method's name for a function event).</param>
/// <param name="Hook">The hook the event attaches to.</param>
/// <param name="Target">The hook as the spec names it: a hook name, or <c>Namespace.Type.Method</c> for a function event.</param>
/// <param name="Arguments">The recorded arguments, in the spec's order (the event's field order).</param>
/// <param name="Command">The spec as written.</param>
/// <param name="EventPosition">Byte offset in <paramref name="Command"/> of the event name (of the hook when the name is implied).</param>
public sealed record DynamicEventSpec(
    string Group,
    string Event,
    Hook Hook,
    string Target,
    ImmutableArray<DynamicEventArgument> Arguments,
    string Command,
    int EventPosition)
{
    /// <summary>The default group of events on raw hooks.</summary>
    public const string DefaultGroup = "dynamic";

    /// <summary>The default group of function events (seed 001's <c>events/functions/</c>).</summary>
    public const string FunctionGroup = "functions";

    /// <summary>Whether the hook is a woven function entry hook (named by method).</summary>
    public bool IsFunction => Target.Contains('.', StringComparison.Ordinal);

    /// <summary>The event as the session names it, <c>group:event</c>.</summary>
    public string FullName => Group + ":" + Event;

    /// <summary>The normalised definition, <c>group/event=target(type name, ...)</c> with kernel type names; parses back to this spec.</summary>
    public string Canonical =>
        $"{Group}/{Event}={Target}({string.Join(", ", Arguments.Select(arg => arg.Type.KernelName() + " " + arg.Name))})";

    /// <inheritdoc />
    public override string ToString() => Canonical;
}

/// <summary>One recorded argument of a dynamic event.</summary>
/// <param name="Name">The hook argument's name, which is also the event field's name.</param>
/// <param name="Type">How it is recorded.</param>
/// <param name="Index">The argument's position in the hook's prototype (0-based).</param>
/// <param name="Source">The hook argument it reads.</param>
public sealed record DynamicEventArgument(string Name, FetchType Type, int Index, HookArgument Source);
