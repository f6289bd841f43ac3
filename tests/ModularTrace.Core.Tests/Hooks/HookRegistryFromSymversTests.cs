using ModularTrace.Hooks;

namespace ModularTrace.Core.Tests.Hooks;

/// <summary>A host's hooks made from its Module.symvers: what a module's tests load it against without the host.</summary>
public sealed class HookRegistryFromSymversTests
{
    private static HookRegistry Declared()
    {
        var registry = new HookRegistry();
        registry.Register(new Hook<long, string, string, int, long>("http_request_stop", "request_id", "method", "route", "status", "duration_ns"));
        registry.Register(new Hook<string, bool>("cache_lookup", "key", "hit"));
        registry.Register(new Hook<byte, sbyte, short, ushort, uint, ulong, char, bool>("every_type", "a", "b", "c", "d", "e", "f", "g", "h"));
        registry.Register(new NullaryHook("tick"));
        return registry;
    }

    [Fact]
    public void FromSymvers_DeclaredHooks_SameTypesPrototypesAndCrcs()
    {
        var declared = Declared();
        var made = HookRegistry.FromSymvers(Symvers.Parse(declared.ToSymvers().Format()));

        Assert.Equal(declared.ToSymvers().Format(), made.ToSymvers().Format());
        Assert.All(declared.Hooks, hook =>
        {
            Assert.True(made.TryGet(hook.Name, out var twin));
            Assert.Equal(hook.GetType(), twin.GetType());
            Assert.Equal(hook.Signature.Crc, twin.Signature.Crc);
        });
    }

    [Fact]
    public void FromSymvers_MadeHook_FiresItsProbes()
    {
        var made = HookRegistry.FromSymvers(Symvers.Parse(Declared().ToSymvers().Format()));
        var hook = made.Get<Hook<string, bool>>("cache_lookup");
        var seen = new List<(string, bool)>();
        hook.Attach((key, hit) => seen.Add((key, hit)));

        hook.Fire("items/7", true);

        Assert.Equal([("items/7", true)], seen);
    }

    [Theory]
    [InlineData("a(int x, string y)")]
    [InlineData("tick()")]
    [InlineData("every(byte a, sbyte b, short c, ushort d, uint e, ulong f, char g, bool h)")]
    public void Parse_CanonicalPrototype_RoundTrips(string prototype)
        => Assert.Equal(prototype, HookSignature.Parse(prototype).Prototype);

    [Theory]
    [InlineData("a(decimal x)", "type 'decimal' cannot be a hook argument")]
    [InlineData("a(int x,string y)", "argument 'int x,string y' is not 'type name'")]
    [InlineData("a(int)", "argument 'int' is not 'type name'")]
    [InlineData("a(int x", "is not 'name(type arg, ...)'")]
    [InlineData("(int x)", "is not 'name(type arg, ...)'")]
    [InlineData("a(int x, int x)", "argument name 'x' appears twice")]
    [InlineData("a(int 1x)", "argument name '1x' is not an identifier")]
    [InlineData("a(int a, int b, int c, int d, int e, int f, int g, int h, int i)", "has 9 arguments; a hook has at most 8")]
    public void Parse_NotAHookPrototype_SaysWhy(string prototype, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => HookSignature.Parse(prototype));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
