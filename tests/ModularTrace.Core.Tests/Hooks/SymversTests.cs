using ModularTrace.Hooks;

namespace ModularTrace.Core.Tests.Hooks;

public sealed class SymversTests
{
    private static HookRegistry TwoHooks()
    {
        var registry = new HookRegistry();
        registry.Register(new Hook<int, int>("zeta", "a", "b"));
        registry.Register(new Hook<string>("alpha", "name"));
        return registry;
    }

    [Fact]
    public void Format_TwoHooks_SortedByNameWithTabsAndLf()
    {
        var text = TwoHooks().ToSymvers().Format();
        Assert.Equal(
            $"0x{HookSignature.ComputeCrc("alpha(string name)"):x8}\talpha\talpha(string name)\n"
            + $"0x{HookSignature.ComputeCrc("zeta(int a, int b)"):x8}\tzeta\tzeta(int a, int b)\n",
            text);
    }

    [Fact]
    public void Parse_FormattedText_RoundTrips()
    {
        var text = TwoHooks().ToSymvers().Format();
        Assert.Equal(text, Symvers.Parse(text).Format());
    }

    [Theory]
    [InlineData("0x1234\tonly-two-columns\n", 1)]
    [InlineData("\n12345678\tname\tname()\n", 2)]
    [InlineData("0xzz\tname\tname()\n", 1)]
    [InlineData("0x1\ta\ta()\n0x2\ta\ta()\n", 2)]
    public void Parse_MalformedLine_NamesTheLine(string text, int line)
    {
        var ex = Assert.Throws<FormatException>(() => Symvers.Parse(text));
        Assert.StartsWith($"symvers line {line}:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Register_DuplicateName_IsRefused()
    {
        var registry = TwoHooks();
        Assert.Throws<InvalidOperationException>(() => registry.Register(new Hook<int>("zeta", "x")));
    }

    [Fact]
    public void Get_WrongArgumentTypes_IsRefusedWithThePrototype()
    {
        var registry = TwoHooks();
        var ex = Assert.Throws<InvalidCastException>(() => registry.Get<Hook<long, int>>("zeta"));
        Assert.Contains("zeta(int a, int b)", ex.Message, StringComparison.Ordinal);
        // The requested type as C# spells it: "Hook`2" is the runtime's name, meaningless in a refusal.
        Assert.Contains("not the requested Hook<long, int>", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("`", ex.Message, StringComparison.Ordinal);
        Assert.Throws<KeyNotFoundException>(() => registry.Get<Hook<int>>("missing"));
        Assert.Same(registry.Get<Hook<int, int>>("zeta"), registry.Get<Hook<int, int>>("zeta"));
    }
}
