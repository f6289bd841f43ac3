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
    [InlineData("0x1\ta\ta()\n", 1)]
    public void Parse_MalformedLine_NamesTheLine(string text, int line)
    {
        var ex = Assert.Throws<FormatException>(() => Symvers.Parse(text));
        Assert.StartsWith($"symvers line {line}:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateHook_NamesTheSecondLine()
    {
        var line = Line("a()");
        var ex = Assert.Throws<FormatException>(() => Symvers.Parse(line + line));
        Assert.Equal("symvers line 2: hook 'a' appears twice.", ex.Message);
    }

    // A file from another host's build: the message names the file and the line, as a compiler does.
    [Theory]
    [InlineData("0x1\tmyapp_request\tmyapp_request(string route)", "CRC 0x1 is not the CRC of 'myapp_request(string route)'")]
    [InlineData("{crc}\tmyapp_request\tother(string route)", "prototype 'other(string route)' is not hook 'myapp_request'")]
    [InlineData("0x00000000\tmy-app\tmy-app()", "hook name 'my-app' is not an identifier")]
    [InlineData("0x00000000\tmyapp\tmyapp(string a\r)", "prototype 'myapp(string a\\x0d)' holds a control character")]
    [InlineData("0x1234 myapp myapp()", "expected '0xCRC<TAB>name<TAB>prototype', got '0x1234 myapp myapp()'")]
    public void Parse_FromFile_NamesFileAndLine(string bad, string expected)
    {
        var text = Line("alpha(string name)") + bad.Replace("{crc}", HookSignature.FormatCrc(HookSignature.ComputeCrc("other(string route)")), StringComparison.Ordinal) + "\n";
        var ex = Assert.Throws<FormatException>(() => Symvers.Parse(text, "/src/app/Module.symvers"));
        Assert.StartsWith("/src/app/Module.symvers:2: " + expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AFileWrittenByFormat_ReadsTheSameTable()
    {
        var directory = Directory.CreateTempSubdirectory("mtrace-symvers-");
        try
        {
            var path = Path.Combine(directory.FullName, "Module.symvers");
            File.WriteAllText(path, TwoHooks().ToSymvers().Format());
            Assert.Equal(TwoHooks().ToSymvers().Format(), Symvers.Load(path).Format());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static string Line(string prototype) =>
        $"{HookSignature.FormatCrc(HookSignature.ComputeCrc(prototype))}\t{prototype[..prototype.IndexOf('(', StringComparison.Ordinal)]}\t{prototype}\n";

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
