using ModularTrace.Control;

namespace ModularTrace.Core.Tests.Control;

public sealed class ControlFrameTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    private static ValueTask<ControlFrame> Read(byte[] bytes, int max = ControlProtocol.MaxRequestBytes) =>
        ControlFrame.ReadAsync(new MemoryStream(bytes), max, s_timeout, s_timeout, CancellationToken.None);

    [Fact]
    public void TryReadHeader_IsBigEndian()
    {
        Assert.True(ControlFrame.TryReadHeader([0x00, 0x01, 0x02, 0x03], out var length));
        Assert.Equal(0x0001_0203u, length);
    }

    [Fact]
    public void TryReadHeader_ShortHeader_IsRefused() => Assert.False(ControlFrame.TryReadHeader([0, 0, 1], out _));

    [Fact]
    public async Task Encode_ThenRead_RoundTrips()
    {
        var frame = await Read(ControlFrame.Encode("{\"op\":\"lsmod\"}"u8));
        Assert.Equal(ControlFrameStatus.Complete, frame.Status);
        Assert.Equal("{\"op\":\"lsmod\"}", System.Text.Encoding.UTF8.GetString(frame.Payload.Span));
    }

    [Fact]
    public async Task Read_TwoFramesBackToBack_ReadsEachWhole()
    {
        var stream = new MemoryStream([.. ControlFrame.Encode("a"u8), .. ControlFrame.Encode("bcd"u8)]);
        var first = await ControlFrame.ReadAsync(stream, 16, s_timeout, s_timeout, CancellationToken.None);
        var second = await ControlFrame.ReadAsync(stream, 16, s_timeout, s_timeout, CancellationToken.None);
        var third = await ControlFrame.ReadAsync(stream, 16, s_timeout, s_timeout, CancellationToken.None);
        Assert.Equal("a"u8.ToArray(), first.Payload.ToArray());
        Assert.Equal("bcd"u8.ToArray(), second.Payload.ToArray());
        Assert.Equal(ControlFrameStatus.Closed, third.Status);
    }

    [Fact]
    public async Task Read_EmptyStream_IsClosed() => Assert.Equal(ControlFrameStatus.Closed, (await Read([])).Status);

    [Theory]
    [InlineData(new byte[] { 0 })]
    [InlineData(new byte[] { 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 5, (byte)'a', (byte)'b' })]
    public async Task Read_EndInsideFrame_IsTruncated(byte[] bytes) => Assert.Equal(ControlFrameStatus.Truncated, (await Read(bytes)).Status);

    [Fact]
    public async Task Read_LengthOverLimit_IsRefusedBeforeTheBodyIsRead()
    {
        var stream = new MemoryStream([0x00, 0x01, 0x00, 0x01, .. new byte[100]]);
        var frame = await ControlFrame.ReadAsync(stream, ControlProtocol.MaxRequestBytes, s_timeout, s_timeout, CancellationToken.None);
        Assert.Equal(ControlFrameStatus.TooLarge, frame.Status);
        Assert.Equal(65_537u, frame.Length);
        Assert.Equal(4, stream.Position);
    }

    [Fact]
    public async Task Read_HugeLength_AllocatesNothingAndIsTooLarge()
    {
        var frame = await Read([0xff, 0xff, 0xff, 0xff]);
        Assert.Equal(ControlFrameStatus.TooLarge, frame.Status);
        Assert.Equal(uint.MaxValue, frame.Length);
    }

    [Fact]
    public async Task Read_ExactlyTheLimit_IsAccepted()
    {
        var frame = await Read(ControlFrame.Encode(new byte[ControlProtocol.MaxRequestBytes]));
        Assert.Equal(ControlFrameStatus.Complete, frame.Status);
        Assert.Equal(ControlProtocol.MaxRequestBytes, frame.Payload.Length);
    }

    [Fact]
    public async Task Read_ZeroLength_IsAnEmptyFrame()
    {
        var frame = await Read([0, 0, 0, 0]);
        Assert.Equal(ControlFrameStatus.Complete, frame.Status);
        Assert.True(frame.Payload.IsEmpty);
    }

    [Fact]
    public async Task Read_BodyNeverArrives_TimesOut()
    {
        // A pipe whose writer sends half a header and then nothing: the slowloris case.
        using var server = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.Out);
        using var client = new System.IO.Pipes.AnonymousPipeClientStream(System.IO.Pipes.PipeDirection.In, server.ClientSafePipeHandle);
        server.Write([0, 0]);
        server.Flush();
        await Assert.ThrowsAsync<TimeoutException>(async () =>
            await ControlFrame.ReadAsync(client, 16, s_timeout, TimeSpan.FromMilliseconds(200), CancellationToken.None));
    }
}
