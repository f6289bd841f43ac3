namespace ModularTrace.Hooks;

public sealed partial class HookRegistry
{
    /// <summary>
    /// A registry holding one hook per line of <paramref name="symvers"/>, each made from its prototype: the host's
    /// hooks as a module built against its <c>Module.symvers</c> sees them, where the host itself is not at hand
    /// (a module's tests in CI). The hooks fire only when the caller fires them.
    /// </summary>
    /// <exception cref="FormatException">A prototype names a type a hook cannot carry, or is not canonical.</exception>
    public static HookRegistry FromSymvers(Symvers symvers)
    {
        ArgumentNullException.ThrowIfNull(symvers);
        var registry = new HookRegistry();
        foreach (var entry in symvers.Entries.Values)
        {
            // Symvers.Parse checked each CRC against its prototype, so the hook's CRC is the line's.
            registry.Register(Hook.Create(HookSignature.Parse(entry.Prototype)));
        }

        return registry;
    }
}
