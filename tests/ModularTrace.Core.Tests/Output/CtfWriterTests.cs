using ModularTrace.Buffers;
using ModularTrace.Events;
using ModularTrace.Output;
using ModularTrace.Output.Ctf;
using ModularTrace.Tasks;

namespace ModularTrace.Core.Tests.Output;

public sealed class CtfWriterTests : IDisposable
{
    private static readonly Dictionary<string, string> s_env = new() { ["hostname"] = "testhost", ["taints"] = "0", ["vermagic"] = "0.1 SMP" };
    private readonly string _root = Directory.CreateTempSubdirectory("ctf-unit-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Write_AnyTrace_MetadataStartsWithCtf18AndDescribesEventsEnvAndClock()
    {
        var (session, ev, _) = Define(new TraceOptions());
        WriteRecords(ev, 3);
        var dir = Path.Combine(_root, "trace");

        CtfWriter.Write(dir, session, new TraceReader(session).Read(consume: true), s_env);

        var metadata = File.ReadAllText(Path.Combine(dir, "metadata"));
        Assert.StartsWith("/* CTF 1.8 */", metadata, StringComparison.Ordinal);
        Assert.Contains("name = \"test:sample\";", metadata, StringComparison.Ordinal);
        Assert.Contains($"id = {ev.Id};", metadata, StringComparison.Ordinal);
        Assert.Contains("hostname = \"testhost\";", metadata, StringComparison.Ordinal);
        Assert.Contains("taints = 0;", metadata, StringComparison.Ordinal);
        Assert.Contains("name = monotonic;", metadata, StringComparison.Ordinal);
        Assert.Contains($"freq = {session.ClockFrequency};", metadata, StringComparison.Ordinal);
        Assert.Contains("string _text;", metadata, StringComparison.Ordinal);
        Assert.Contains("int64_t _value;", metadata, StringComparison.Ordinal);
        Assert.Contains("utf8_t _comm[8];", metadata, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_CounterClock_DeclaresACounterThatIsNotTime()
    {
        var (session, ev, _) = Define(new TraceOptions { Clock = TraceClock.Counter });
        WriteRecords(ev, 1);
        var dir = Path.Combine(_root, "trace");

        CtfWriter.Write(dir, session, new TraceReader(session).Read(consume: true), s_env);

        var metadata = File.ReadAllText(Path.Combine(dir, "metadata"));
        Assert.Contains("name = counter;", metadata, StringComparison.Ordinal);
        Assert.Contains("description = \"event counter, not time\";", metadata, StringComparison.Ordinal);
        Assert.Contains("map = clock.counter.value;", metadata, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_CoarseClock_DeclaresMillisecondsOfACoarseMonotonicClock()
    {
        var (session, ev, _) = Define(new TraceOptions { Clock = TraceClock.Coarse });
        WriteRecords(ev, 1);
        var dir = Path.Combine(_root, "trace");

        CtfWriter.Write(dir, session, new TraceReader(session).Read(consume: true), s_env);

        var metadata = File.ReadAllText(Path.Combine(dir, "metadata"));
        Assert.Contains("name = monotonic_coarse;", metadata, StringComparison.Ordinal);
        Assert.Contains("freq = 1000;", metadata, StringComparison.Ordinal);
        Assert.Contains("map = clock.monotonic_coarse.value;", metadata, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_RemovedEvent_IsStillDescribed()
    {
        var (session, ev, _) = Define(new TraceOptions());
        WriteRecords(ev, 2);
        Assert.True(session.Remove(ev));
        var dir = Path.Combine(_root, "trace");

        var summary = CtfWriter.Write(dir, session, new TraceReader(session).Read(consume: true), s_env);

        Assert.Equal(2, summary.EventsWritten);
        Assert.Contains("name = \"test:sample\";", File.ReadAllText(Path.Combine(dir, "metadata")), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_SmallPackets_PacketsParseBackWithMagicSizesAndOrder()
    {
        var (session, ev, _) = Define(new TraceOptions());
        CurrentTask.Set(5, 77, "packets");
        try
        {
            WriteRecords(ev, 600);
        }
        finally
        {
            CurrentTask.Clear();
        }

        var dir = Path.Combine(_root, "trace");
        var summary = CtfWriter.Write(dir, session, new TraceReader(session).Read(consume: true), s_env, packetSize: 4096);

        var file = File.ReadAllBytes(Path.Combine(dir, "stream_0"));
        var packets = CtfPacketReader.Read(file);
        Assert.True(packets.Count > 3, $"only {packets.Count} packets");
        Assert.Equal(packets.Count, summary.Packets);
        Assert.Equal(600, summary.EventsWritten);
        Assert.Equal(1, summary.Streams);
        Assert.Equal(file.Length + new FileInfo(Path.Combine(dir, "metadata")).Length, summary.Bytes);
        for (var i = 0; i < packets.Count; i++)
        {
            var packet = packets[i];
            Assert.Equal(0xC1FC1FC1u, packet.Magic);
            Assert.Equal(0u, packet.StreamId);
            Assert.Equal(4096UL * 8, packet.PacketBits);
            Assert.InRange(packet.ContentBits, 77UL * 8, packet.PacketBits);
            Assert.Equal((ulong)i, packet.Sequence);
            Assert.Equal(5u, packet.CpuId);
            Assert.True(packet.TimestampBegin <= packet.TimestampEnd);
            Assert.True(i == 0 || packets[i - 1].TimestampEnd <= packet.TimestampBegin);
            Assert.Equal(0UL, packet.Discarded);
            Assert.True(file.AsSpan((int)(packet.Offset + (long)(packet.ContentBits / 8)), (int)((packet.PacketBits - packet.ContentBits) / 8)).IndexOfAnyExcept((byte)0) < 0, "padding is not zero");
        }
    }

    [Fact]
    public void Write_OverwriteModeLosses_EventsDiscardedEqualsLost()
    {
        var (session, ev, _) = Define(new TraceOptions { BufferSize = 4096, Overwrite = true });
        WriteRecords(ev, 1000);
        var lost = session.Buffers[0].Lost;
        Assert.True(lost > 0);
        var records = new TraceReader(session).Read(consume: true);
        var dir = Path.Combine(_root, "trace");

        var summary = CtfWriter.Write(dir, session, records, s_env);

        var packets = CtfPacketReader.Read(File.ReadAllBytes(Path.Combine(dir, "stream_0")));
        Assert.Equal((ulong)lost, packets[^1].Discarded);
        Assert.Equal(lost, summary.EventsDiscarded);
        Assert.Equal(1000 - lost, summary.EventsWritten);
        Assert.Equal(0UL, packets[0].Discarded); // babeltrace2 counts from a first packet's zero
        Assert.True(packets.Zip(packets.Skip(1)).All(pair => pair.First.Discarded <= pair.Second.Discarded));
    }

    [Fact]
    public void Write_LossesAfterTheLastRecord_CountedInATrailingPacket()
    {
        var (session, ev, _) = Define(new TraceOptions { BufferSize = 4096, Overwrite = false });
        WriteRecords(ev, 5);
        var records = new TraceReader(session).Read(consume: true);
        WriteRecords(ev, 1000); // fills the buffer, then drops
        var lost = session.Buffers[0].Lost;
        Assert.True(lost > 0);
        var dir = Path.Combine(_root, "trace");

        var summary = CtfWriter.Write(dir, session, records, s_env);

        var packets = CtfPacketReader.Read(File.ReadAllBytes(Path.Combine(dir, "stream_0")));
        Assert.Equal(0UL, packets[0].Discarded);
        Assert.Equal((ulong)lost, packets[^1].Discarded);
        Assert.Equal(76UL * 8, packets[^1].ContentBits); // the trailing packet holds no event
        Assert.Equal(lost, summary.EventsDiscarded);
    }

    [Fact]
    public void Write_TextFields_EncodeTheirBytesEmptyOnesIncluded()
    {
        var (session, ev, layout) = Define(new TraceOptions());
        string[] texts = ["", "abc", "", "päth-too-long", ""];
        CurrentTask.Set(2, 31, "texts");
        try
        {
            foreach (var text in texts)
            {
                var w = ev.Reserve(TraceEvent.SizeOf(text));
                w.Set(layout["value"], -7L);
                w.Set(layout["text"], text);
                w.Set(layout["comm"], text);
                w.Commit();
            }
        }
        finally
        {
            CurrentTask.Clear();
        }

        var dir = Path.Combine(_root, "trace");
        CtfWriter.Write(dir, session, new TraceReader(session).Read(consume: true), s_env);

        var file = File.ReadAllBytes(Path.Combine(dir, "stream_0"));
        var packet = Assert.Single(CtfPacketReader.Read(file));
        var events = CtfPacketReader.ReadSampleEvents(file.AsSpan(0, (int)(packet.ContentBits / 8)));
        Assert.Equal(texts.Length, events.Count);
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal((ev.Id, 31, 2u, -7L), (events[i].Id, events[i].Pid, events[i].Cpu, events[i].Value));
            Assert.Equal(texts[i], events[i].Text);
            Assert.Equal(texts[i] == "päth-too-long" ? "päth-t" : texts[i], events[i].Comm); // char[8]: 7 bytes, whole characters
        }
    }

    [Fact]
    public void Write_RecordsUnderAnActivity_CarryItsTraceIdAsHexTextAndZerosWithout()
    {
        var (session, ev, _) = Define(new TraceOptions());
        WriteRecords(ev, 1);
        string traceId;
        using (var activity = new System.Diagnostics.Activity("request").SetIdFormat(System.Diagnostics.ActivityIdFormat.W3C).Start())
        {
            traceId = activity.TraceId.ToHexString();
            WriteRecords(ev, 2);
        }

        var dir = Path.Combine(_root, "trace");
        CtfWriter.Write(dir, session, new TraceReader(session).Read(consume: true), s_env);

        var metadata = File.ReadAllText(Path.Combine(dir, "metadata"));
        Assert.Contains("utf8_t _common_trace_id[32];", metadata, StringComparison.Ordinal);
        var file = File.ReadAllBytes(Path.Combine(dir, "stream_0"));
        var packet = Assert.Single(CtfPacketReader.Read(file));
        var events = CtfPacketReader.ReadSampleEvents(file.AsSpan(0, (int)(packet.ContentBits / 8)));
        Assert.Equal([new string('0', 32), traceId, traceId], events.Select(e => e.TraceId));
        Assert.Equal([0L, -1000L], events.Skip(1).Select(e => e.Value));
    }

    [Fact]
    public void Write_NonEmptyDirectory_IsRefusedNamingIt()
    {
        var (session, ev, _) = Define(new TraceOptions());
        WriteRecords(ev, 1);
        File.WriteAllText(Path.Combine(_root, "old"), "x");

        var ex = Assert.Throws<IOException>(() => CtfWriter.Write(_root, session, new TraceReader(session).Read(consume: true), s_env));

        Assert.Contains(_root, ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_root, "metadata")));
    }

    [Fact]
    public void Write_DirectoryUnderAFile_ThrowsIOExceptionNamingThePath()
    {
        var (session, ev, _) = Define(new TraceOptions());
        WriteRecords(ev, 1);
        var file = Path.Combine(_root, "file");
        File.WriteAllText(file, "x");
        var dir = Path.Combine(file, "trace");

        var ex = Assert.Throws<IOException>(() => CtfWriter.Write(dir, session, new TraceReader(session).Read(consume: true), s_env));

        Assert.Contains(dir, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_DiskFullMidStream_ThrowsNamingTheFileAndKeepsWholePackets()
    {
        var (session, ev, _) = Define(new TraceOptions());
        WriteRecords(ev, 600);
        var records = new TraceReader(session).Read(consume: true);
        var dir = Path.Combine(_root, "trace");
        var streamPath = Path.Combine(dir, "stream_0");

        var ex = Assert.Throws<IOException>(() => CtfWriter.WriteCore(
            dir, session, records, s_env, 4096, path => new FullDiskStream(path, path == streamPath ? (2 * 4096) + 1000 : long.MaxValue)));

        Assert.Contains(streamPath, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("/* CTF 1.8 */", File.ReadAllText(Path.Combine(dir, "metadata")), StringComparison.Ordinal);
        var packets = CtfPacketReader.Read(File.ReadAllBytes(streamPath));
        Assert.Equal(2, packets.Count);
        Assert.All(packets, packet => Assert.Equal(0xC1FC1FC1u, packet.Magic));
    }

    [Theory]
    [InlineData("host name")]
    [InlineData("clock")]
    [InlineData("")]
    public void Write_EnvKeyNotAnIdentifier_IsRefused(string key)
    {
        var (session, ev, _) = Define(new TraceOptions());
        WriteRecords(ev, 1);

        Assert.Throws<ArgumentException>(() => CtfWriter.Write(
            Path.Combine(_root, "trace"), session, new TraceReader(session).Read(consume: true), new Dictionary<string, string> { [key] = "x" }));
        Assert.False(Directory.Exists(Path.Combine(_root, "trace")));
    }

    private static (TraceSession Session, TraceEvent Event, EventLayout Layout) Define(TraceOptions options)
    {
        var session = new TraceSession(options);
        var b = new EventLayoutBuilder();
        b.S64("value");
        b.DynamicString("text");
        b.Chars("comm", 8);
        var layout = b.Build();
        var ev = session.Define("test", "sample", new EventClass("sample", layout, "value={value} text={text}"));
        ev.IsEnabled = true;
        return (session, ev, layout);
    }

    private static void WriteRecords(TraceEvent ev, int count)
    {
        var value = ev.Class.Layout["value"];
        var text = ev.Class.Layout["text"];
        for (var i = 0; i < count; i++)
        {
            var s = "record " + i;
            var w = ev.Reserve(TraceEvent.SizeOf(s));
            w.Set(value, (long)i * -1000);
            w.Set(text, s);
            w.Commit();
        }
    }

    // A file that fills up after `limit` bytes: the write that crosses the limit stores what fits, then fails.
    private sealed class FullDiskStream(string path, long limit) : FileStream(path, FileMode.CreateNew, FileAccess.Write)
    {
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var room = (int)Math.Clamp(limit - Position, 0, buffer.Length);
            base.Write(buffer[..room]);
            if (room < buffer.Length)
            {
                Flush();
                throw new IOException("No space left on device");
            }
        }
    }
}
