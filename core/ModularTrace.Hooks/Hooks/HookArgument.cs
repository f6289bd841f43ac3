namespace ModularTrace.Hooks;

/// <summary>One named, typed argument of a hook, as it appears in the hook's prototype.</summary>
/// <param name="Name">The argument name (a C identifier, like a tracepoint's <c>TP_PROTO</c> names).</param>
/// <param name="Type">The argument's CLR type; one of <see cref="HookTypes.Supported"/>.</param>
public sealed record HookArgument(string Name, Type Type)
{
    /// <summary>The canonical spelling of <see cref="Type"/> used in prototypes and CRCs (<c>int</c>, <c>string</c>, ...).</summary>
    public string TypeName => HookTypes.NameOf(Type);

    /// <inheritdoc />
    public override string ToString() => $"{TypeName} {Name}";
}
