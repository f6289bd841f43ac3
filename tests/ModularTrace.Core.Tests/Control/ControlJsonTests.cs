using System.Text;
using ModularTrace.Control;

namespace ModularTrace.Core.Tests.Control;

public sealed class ControlJsonTests
{
    private static ControlRequest? Parse(string json, out string? error) => ControlJson.ParseRequest(Encoding.UTF8.GetBytes(json), out error);

    [Fact]
    public void ParseRequest_SnakeCaseFields_AreRead()
    {
        var request = Parse("""{"op":"insmod","path":"/m.dll","force_vermagic":true,"max_events":5}""", out var error);
        Assert.Null(error);
        Assert.Equal(new ControlRequest { Op = "insmod", Path = "/m.dll", ForceVermagic = true, MaxEvents = 5 }, request);
    }

    [Fact]
    public void ParseRequest_UnknownFields_AreIgnored()
        => Assert.Equal("lsmod", Parse("""{"op":"lsmod","from_the_future":[1,2,3]}""", out _)!.Op);

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("42")]
    [InlineData("\"op\"")]
    [InlineData("""{"op":5}""")]
    [InlineData("""{"op":"lsmod","op":"rmmod"}""")]
    [InlineData("""{"op":"x","max_events":"many"}""")]
    [InlineData("""{"op":"x","selector":{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":1}}}}}}}}}""")]
    public void ParseRequest_NotARequest_SaysWhyAndReturnsNull(string json)
    {
        Assert.Null(Parse(json, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void ParseRequest_InvalidUtf8InAValue_IsRefused()
    {
        Assert.Null(ControlJson.ParseRequest((byte[])[.. "{\"op\":\""u8, 0xff, 0xfe, .. "\"}"u8], out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Serialize_Response_LeavesNullsOutAndUsesSnakeCase()
    {
        var json = Encoding.UTF8.GetString(ControlJson.Serialize(ControlResponse.Fail(ControlErrors.Protocol, "mismatch") with { Protocol = 1 }));
        Assert.Equal("""{"ok":false,"code":"EPROTO","error":"mismatch","protocol":1}""", json);
    }

    [Fact]
    public void ParseResponse_RoundTripsWhatSerializeWrote()
    {
        var reply = new ControlResponse { Ok = true, Lines = ["a", "b"], More = true, CommandError = new CommandErrorInfo("s", "c", 3, "m") };
        var back = ControlJson.ParseResponse(ControlJson.Serialize(reply), out var error);
        Assert.Null(error);
        Assert.Equal(["a", "b"], back!.Lines);
        Assert.Equal(reply.CommandError, back.CommandError);
        Assert.True(back.More);
    }

    [Fact]
    public void ParseRequest_RandomBytes_NeverThrow()
    {
        // Property: any payload gives a request or a reason, never an exception (NOTES-RELIABILITY.md §2).
        var random = new Random(20251125);
        var seed = Encoding.UTF8.GetBytes("""{"op":"filter","selector":"sched:*","expr":"prev_pid < 10","max_events":3}""");
        for (var i = 0; i < 2000; i++)
        {
            var bytes = i % 2 == 0 ? Mutate(seed, random) : RandomBytes(random);
            var request = ControlJson.ParseRequest(bytes, out var error);
            Assert.True((request is null) != (error is null), $"input {Convert.ToHexString(bytes)}");
        }
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = (byte[])seed.Clone();
        for (var n = random.Next(1, 4); n > 0; n--)
        {
            bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
        }

        return bytes;
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 64)];
        random.NextBytes(bytes);
        return bytes;
    }
}
