using System.Buffers.Binary;
using System.Diagnostics;
using ModularTrace.Buffers;
using ModularTrace.Events;

namespace ModularTrace.Output;

/// <summary>One record read out of a ring buffer.</summary>
/// <param name="Buffer">The buffer it came from.</param>
/// <param name="Timestamp">Its clock value.</param>
/// <param name="Data">The record: common fields, event fields, <c>__data_loc</c> data.</param>
/// <param name="LostBefore">Events this buffer lost since the previous record this reader returned from it.</param>
/// <param name="Event">The event that wrote it (possibly removed since), or null for an unknown id.</param>
public sealed record TraceRecord(RingBuffer Buffer, long Timestamp, byte[] Data, long LostBefore, TraceEvent? Event)
{
    /// <summary>The event id (<c>common_type</c>).</summary>
    public ushort EventId => BinaryPrimitives.ReadUInt16LittleEndian(Data);

    /// <summary>The writer's pid (<c>common_pid</c>).</summary>
    public int Pid => BinaryPrimitives.ReadInt32LittleEndian(Data.AsSpan(4));

    /// <summary>The writer's CPU (<c>common_cpu</c>).</summary>
    public int Cpu => (int)BinaryPrimitives.ReadUInt32LittleEndian(Data.AsSpan(8));

    /// <summary>The writer's Activity trace id (<c>common_trace_id</c>), or null when it had none.</summary>
    public ActivityTraceId? TraceId => RecordValues.ReadTraceId(Data);
}
