using ModularTrace.Buffers;

namespace ModularTrace.Output.Ctf;

/// <summary>Running totals over the streams of one trace.</summary>
internal sealed class CtfStreamTotals
{
    public long Events { get; set; }

    public long Packets { get; set; }

    public long Bytes { get; set; }

    public long Discarded { get; set; }

    public long Skipped { get; set; }
}

/// <summary>Writes one ring buffer's records as a CTF stream: whole packets, losses as cumulative <c>events_discarded</c>.</summary>
internal static class CtfStreamWriter
{
    public static void Write(
        Stream output, RingBuffer buffer, List<TraceRecord> records, CtfPacketBuilder packet, long firstTimestamp, CtfStreamTotals totals)
    {
        long sequence = 0, discarded = 0, complete = 0;
        var open = false;
        var last = records.Count > 0 ? records[0].Timestamp : firstTimestamp;

        void Emit()
        {
            var bytes = packet.Finish(sequence++, discarded);
            try
            {
                output.Write(bytes.Span);
            }
            catch (IOException)
            {
                // Keep the stream a whole number of packets: cut a partly written one off, if the file lets us.
                try
                {
                    output.SetLength(complete);
                }
                catch (Exception ex) when (ex is IOException or NotSupportedException)
                {
                    // Nothing more to save; the caller reports the first failure.
                }

                throw;
            }

            complete += bytes.Length;
            totals.Packets++;
            totals.Bytes += bytes.Length;
            open = false;
        }

        foreach (var record in records)
        {
            if (record.LostBefore > 0)
            {
                // A packet counts the events discarded up to its end; closing here pins the loss between the
                // previous packet and the next record. babeltrace2 reports a count only as a difference from the
                // previous packet's, so a stream that starts with a loss starts with an empty packet counting none.
                if (open && packet.Events > 0)
                {
                    Emit();
                }
                else if (sequence == 0)
                {
                    packet.Start(record.Timestamp);
                    Emit();
                }

                discarded += record.LostBefore;
            }

            if (record.Event is not { } ev || record.Data.Length < ev.Class.Layout.FixedSize)
            {
                totals.Skipped++;
                continue;
            }

            if (!open)
            {
                packet.Start(record.Timestamp);
                open = true;
            }

            if (!packet.TryAppend(record, ev))
            {
                Emit();
                packet.Start(record.Timestamp);
                open = true;
                packet.TryAppend(record, ev);
            }

            last = record.Timestamp;
            totals.Events++;
        }

        if (open)
        {
            Emit();
        }

        // Losses after the last record given (or in a buffer none of whose records survived).
        var trailing = buffer.Lost - discarded;
        if (trailing > 0)
        {
            if (sequence == 0)
            {
                packet.Start(last);
                Emit();
            }

            discarded += trailing;
            packet.Start(last);
            Emit();
        }

        totals.Discarded += discarded;
    }
}
