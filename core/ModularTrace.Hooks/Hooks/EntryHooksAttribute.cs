namespace ModularTrace.Hooks;

/// <summary>
/// Asks the weaver to give every eligible method of this type an entry hook (see <see cref="FunctionHooks"/>):
/// non-generic, non-abstract methods that are not constructors, with at most 8 parameters, each of a
/// <see cref="HookTypes"/> type and passed by value.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class EntryHooksAttribute : Attribute
{
}
