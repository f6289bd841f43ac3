namespace ModularTrace.Hooks;

/// <summary>
/// The owner a probe attached without one gets: the module whose constructor, <c>ConfigureServices</c> or
/// <c>Init</c> is running on this logical flow (and on the tasks and timers it starts, which inherit the flow), so
/// that a probe a module attaches straight on a hook is detached at its unload like one attached through
/// <c>ModuleContext.Attach</c>. Set by the loader only.
/// </summary>
internal static class ProbeOwner
{
    private static readonly AsyncLocal<object?> s_current = new();

    /// <summary>The owner on this flow, or null outside a module's code.</summary>
    public static object? Current => s_current.Value;

    /// <summary>Makes <paramref name="owner"/> current until the returned scope is disposed.</summary>
    public static Scope Enter(object owner)
    {
        var previous = s_current.Value;
        s_current.Value = owner;
        return new Scope(previous);
    }

    /// <summary>Restores the previous owner.</summary>
    public readonly struct Scope(object? previous) : IDisposable
    {
        /// <inheritdoc />
        public void Dispose() => s_current.Value = previous;
    }
}
