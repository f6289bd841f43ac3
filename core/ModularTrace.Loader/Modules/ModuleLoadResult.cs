namespace ModularTrace.Modules;

/// <summary>The outcome of a load: the module, or a refusal with the kernel-style message. Never both.</summary>
public sealed record ModuleLoadResult
{
    private ModuleLoadResult(LoadedModule? module, string? error, string? hint, IReadOnlyList<string> messages)
    {
        Module = module;
        Error = error;
        Hint = hint;
        Messages = messages;
    }

    /// <summary>The loaded module, or null when refused.</summary>
    public LoadedModule? Module { get; }

    /// <summary>The one-line refusal (DESIGN.md's table), or null when loaded.</summary>
    public string? Error { get; }

    /// <summary>What to do next, or null.</summary>
    public string? Hint { get; }

    /// <summary>The signature verdict the policy refused (so a caller can say how to trust the signer), or null.</summary>
    public Signing.SignatureStatus? RefusedSignature { get; init; }

    /// <summary>Log lines the load produced (taint warnings and the like), in order.</summary>
    public IReadOnlyList<string> Messages { get; }

    /// <summary>Whether the module loaded.</summary>
    public bool Loaded => Module is not null;

    internal static ModuleLoadResult Success(LoadedModule module, IReadOnlyList<string> messages) => new(module, null, null, messages);

    internal static ModuleLoadResult Refused(string error, string? hint, IReadOnlyList<string> messages) => new(null, error, hint, messages);
}
