namespace ModularTrace.Signing;

/// <summary>The trusted keyrings a module's signing certificate can be found in (REFERENCE.md §6).</summary>
public enum KeyringKind
{
    /// <summary>Certificates baked into the host at build time (kernel: <c>.builtin_trusted_keys</c>).</summary>
    Builtin,

    /// <summary>Certificates added at run time, each vouched for by a builtin or secondary key (kernel: <c>.secondary_trusted_keys</c>).</summary>
    Secondary,

    /// <summary>Certificates enrolled by the machine owner with explicit confirmation (kernel: <c>.machine</c>, MOK).</summary>
    Machine,
}
