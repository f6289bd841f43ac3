namespace ModularTrace.TestDependency;

/// <summary>Code a module brings with it in a second assembly, copied beside the module and never signed.</summary>
public static class Greeting
{
    /// <summary>A value the module reads at init, so the dependency is really loaded.</summary>
    public static int Answer => 42;
}
