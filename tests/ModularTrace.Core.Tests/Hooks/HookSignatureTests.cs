using CsCheck;
using ModularTrace.Hooks;

namespace ModularTrace.Core.Tests.Hooks;

public sealed class HookSignatureTests
{
    // Golden values: CRC-32/IEEE of the prototype text, as `printf '%s' 'proto' | gzip -c | tail -c8 | od` or
    // python3 -c "import zlib; print(hex(zlib.crc32(b'...')))" computes it. Changing the algorithm or the
    // canonical text breaks every module built before: this test is meant to fail then.
    [Theory]
    [InlineData("sched_switch(string prev_comm, int prev_pid, int prev_prio, long prev_state, string next_comm, int next_pid, int next_prio)", 0x4ba4fb35u)]
    [InlineData("irq_handler_exit(int irq, int ret)", 0x3c18ba11u)]
    [InlineData("nothing()", 0x9a4ffbefu)]
    public void ComputeCrc_KnownPrototype_MatchesGoldenValue(string prototype, uint crc)
        => Assert.Equal(crc, HookSignature.ComputeCrc(prototype));

    // The hooks package computes CRC-32 itself so that it needs nothing beyond the BCL; this holds it to
    // System.IO.Hashing's implementation on arbitrary text (any Unicode, any length, the empty string).
    [Fact]
    public void ComputeCrc_AnyText_MatchesSystemIOHashing() =>
        Gen.String.Sample(text => Assert.Equal(
            System.IO.Hashing.Crc32.HashToUInt32(System.Text.Encoding.UTF8.GetBytes(text)),
            HookSignature.ComputeCrc(text)), iter: 2_000);

    [Fact]
    public void Prototype_TwoArguments_IsCanonicalText()
    {
        var hook = new Hook<int, string>("probe_me", "fd", "path");
        Assert.Equal("probe_me(int fd, string path)", hook.Signature.Prototype);
        Assert.Equal(HookSignature.ComputeCrc("probe_me(int fd, string path)"), hook.Signature.Crc);
    }

    [Fact]
    public void Crc_AnyChangeOfTypeOrderOrName_ChangesTheCrc()
    {
        var baseline = new Hook<int, string>("h", "fd", "path").Signature.Crc;
        uint[] variants =
        [
            new Hook<long, string>("h", "fd", "path").Signature.Crc,   // type
            new Hook<string, int>("h", "path", "fd").Signature.Crc,    // order
            new Hook<int, string>("h", "fd", "name").Signature.Crc,    // argument name
            new Hook<int, string>("h2", "fd", "path").Signature.Crc,   // hook name
            new Hook<int, string, int>("h", "fd", "path", "flags").Signature.Crc, // added argument
            new Hook<int>("h", "fd").Signature.Crc,                    // removed argument
        ];
        Assert.DoesNotContain(baseline, variants);
        Assert.Equal(variants.Length, variants.Distinct().Count());
    }

    [Theory]
    [InlineData("")]
    [InlineData("1abc")]
    [InlineData("sched switch")]
    [InlineData("sched-switch")]
    public void Constructor_BadHookName_IsRefused(string name)
        => Assert.Throws<ArgumentException>(() => new Hook<int>(name, "x"));

    [Fact]
    public void Constructor_DuplicateArgumentName_IsRefused()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Hook<int, int>("h", "x", "x"));
        Assert.Contains("'x' appears twice", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_UnsupportedArgumentType_IsRefusedNamingTheType()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Hook<double>("h", "x"));
        Assert.Contains("System.Double", ex.Message, StringComparison.Ordinal);
    }
}
