namespace ModularTrace.Output.Ctf;

/// <summary>What <see cref="CtfWriter.Write"/> wrote.</summary>
/// <param name="Directory">The trace directory (full path).</param>
/// <param name="EventsWritten">Records written as CTF events.</param>
/// <param name="Streams">Stream files written (one per ring buffer).</param>
/// <param name="Packets">Packets written, over all streams.</param>
/// <param name="Bytes">Bytes written: the metadata file and every stream file.</param>
/// <param name="EventsDiscarded">Events the ring buffers lost, as the streams' final <c>events_discarded</c> values add up.</param>
/// <param name="RecordsSkipped">Records left out because no event definition describes them (unknown id or truncated record).</param>
public sealed record CtfTraceSummary(
    string Directory,
    long EventsWritten,
    int Streams,
    long Packets,
    long Bytes,
    long EventsDiscarded,
    long RecordsSkipped);
