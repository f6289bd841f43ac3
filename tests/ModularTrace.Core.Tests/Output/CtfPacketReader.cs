using System.Buffers.Binary;

namespace ModularTrace.Core.Tests.Output;

/// <summary>One packet's header and context, as the writer lays them out (see CtfMetadata's TSDL).</summary>
internal sealed record CtfPacket(
    long Offset, uint Magic, uint StreamId, ulong TimestampBegin, ulong TimestampEnd,
    ulong ContentBits, ulong PacketBits, ulong Sequence, ulong Discarded, uint CpuId);

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
}
