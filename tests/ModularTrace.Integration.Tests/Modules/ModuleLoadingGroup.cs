namespace ModularTrace.Integration.Tests.Modules;

/// <summary>
/// Tests that load modules into this process run one at a time, never beside each other: they count live load
/// contexts by module name and measure managed memory, which a parallel test loading the same module would disturb.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ModuleLoadingGroup
{
    public const string Name = "module loading";
}
