using System.Buffers.Binary;
using System.Text;

namespace ModularTrace.Core.Tests.Output;

/// <summary>One packet's header and context, as the writer lays them out (see CtfMetadata's TSDL).</summary>
internal sealed record CtfPacket(
    long Offset, uint Magic, uint StreamId, ulong TimestampBegin, ulong TimestampEnd,
    ulong ContentBits, ulong PacketBits, ulong Sequence, ulong Discarded, uint CpuId);

/// <summary>One decoded event of CtfWriterTests' sample layout.</summary>
internal sealed record SampleEvent(ushort Id, ulong Timestamp, int Pid, uint Cpu, string TraceId, long Value, string Text, string Comm);

/// <summary>A tiny reader of a stream file's packets, independent of the writer's code.</summary>
internal static class CtfPacketReader
{
    public static List<CtfPacket> Read(byte[] file)
    {
        var packets = new List<CtfPacket>();
        long offset = 0;
        while (offset < file.Length)
        {
            var at = file.AsSpan((int)offset);
            Assert.True(at.Length >= 76, $"truncated packet at {offset}");
            var packet = new CtfPacket(
                offset,
                BinaryPrimitives.ReadUInt32LittleEndian(at),
                BinaryPrimitives.ReadUInt32LittleEndian(at[20..]),
                BinaryPrimitives.ReadUInt64LittleEndian(at[24..]),
                BinaryPrimitives.ReadUInt64LittleEndian(at[32..]),
                BinaryPrimitives.ReadUInt64LittleEndian(at[40..]),
                BinaryPrimitives.ReadUInt64LittleEndian(at[48..]),
                BinaryPrimitives.ReadUInt64LittleEndian(at[56..]),
                BinaryPrimitives.ReadUInt64LittleEndian(at[64..]),
                BinaryPrimitives.ReadUInt32LittleEndian(at[72..]));
            Assert.True(packet.PacketBits >= 76 * 8 && packet.PacketBits % 8 == 0, $"bad packet_size {packet.PacketBits} at {offset}");
            packets.Add(packet);
            offset += (long)(packet.PacketBits / 8);
        }

        Assert.Equal(file.Length, offset);
        return packets;
    }

    /// <summary>
    /// Decodes one packet's events of the layout { s64 value; string text; utf8 comm[8]; } following the TSDL:
    /// header { u16 id; u64 timestamp } aligned 8, context { u8 flags; u8 preempt; s32 pid; u32 cpu; utf8 trace_id[32] }
    /// aligned 4.
    /// </summary>
    public static List<SampleEvent> ReadSampleEvents(ReadOnlySpan<byte> packet)
    {
        var events = new List<SampleEvent>();
        var at = 76;
        while (at < packet.Length)
        {
            at = Align(at, 8);
            var id = BinaryPrimitives.ReadUInt16LittleEndian(packet[at..]);
            var timestamp = BinaryPrimitives.ReadUInt64LittleEndian(packet[(at + 8)..]);
            at = Align(at + 16, 4) + 4; // flags, preempt count, then 2 bytes of padding before the aligned pid
            var pid = BinaryPrimitives.ReadInt32LittleEndian(packet[at..]);
            var cpu = BinaryPrimitives.ReadUInt32LittleEndian(packet[(at + 4)..]);
            var traceId = Encoding.ASCII.GetString(packet.Slice(at + 8, 32));
            at = Align(at + 8 + 32, 8);
            var value = BinaryPrimitives.ReadInt64LittleEndian(packet[at..]);
            at += 8;
            var nul = packet[at..].IndexOf((byte)0);
            var text = Encoding.UTF8.GetString(packet.Slice(at, nul));
            at += nul + 1;
            var comm = packet.Slice(at, 8);
            var end = comm.IndexOf((byte)0);
            Assert.True(comm[end..].IndexOfAnyExcept((byte)0) < 0, "char[8] not NUL-padded");
            events.Add(new SampleEvent(id, timestamp, pid, cpu, traceId, value, text, Encoding.UTF8.GetString(comm[..end])));
            at += 8;
        }

        return events;
    }

    private static int Align(int value, int alignment) => (value + alignment - 1) / alignment * alignment;
}
