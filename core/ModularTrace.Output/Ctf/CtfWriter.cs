using System.Text;
using ModularTrace.Buffers;
using ModularTrace.Events;
using ModularTrace.Hooks;

namespace ModularTrace.Output.Ctf;

/// <summary>
/// Writes records as a CTF 1.8 trace directory that babeltrace2 reads: a text <c>metadata</c> file and one stream
/// file per ring buffer (<c>stream_&lt;buffer id&gt;</c>) made of packets of bounded size.
/// </summary>
/// <remarks>
/// Each event is named <c>system:event</c>; the common fields (pid, cpu, flags, preempt count) are its event context.
/// Losses travel as each packet's cumulative <c>events_discarded</c>: a buffer's <see cref="TraceRecord.LostBefore"/>
/// counts, plus what the buffer lost after the last record given. Files are written in an order that leaves a readable
/// trace when writing fails midway: metadata first, then whole packets.
/// </remarks>
public static class CtfWriter
{
    /// <summary>Bytes per packet unless asked otherwise (an event larger than that gets a packet of its own).</summary>
    public const int DefaultPacketSize = 64 * 1024;

    /// <summary>The name of the metadata file inside the trace directory.</summary>
    public const string MetadataFileName = "metadata";

    /// <summary>Writes <paramref name="records"/> (as <see cref="TraceReader"/> returns them) into a new or empty directory.</summary>
    /// <param name="directory">The trace directory; created if missing, refused if it holds anything.</param>
    /// <param name="session">The session the records came from (its clock and buffers).</param>
    /// <param name="records">The records, oldest first; each buffer's records keep their order.</param>
    /// <param name="env">Trace environment (host vermagic, modules, taints, clock, hostname): keys must be identifiers;
    /// values that read back as integers are written as integers, the rest as strings.</param>
    /// <param name="packetSize">Bytes per packet: a multiple of 4096 from 4096 to 16 MiB.</param>
    /// <returns>What was written.</returns>
    /// <exception cref="ArgumentException">An env key is not an identifier or is a TSDL keyword.</exception>
    /// <exception cref="IOException">The directory is not empty, or a file could not be written; the message names the
    /// path. Files and packets completed before the failure stay readable.</exception>
    public static CtfTraceSummary Write(
        string directory,
        TraceSession session,
        IReadOnlyList<TraceRecord> records,
        IReadOnlyDictionary<string, string> env,
        int packetSize = DefaultPacketSize) =>
        WriteCore(directory, session, records, env, packetSize, static path => new FileStream(
            path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 1, FileOptions.None));

    /// <summary>As the public overload, with the way files are opened injectable (tests simulate a full disk).</summary>
    internal static CtfTraceSummary WriteCore(
        string directory,
        TraceSession session,
        IReadOnlyList<TraceRecord> records,
        IReadOnlyDictionary<string, string> env,
        int packetSize,
        Func<string, Stream> create)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(env);
        ArgumentOutOfRangeException.ThrowIfLessThan(packetSize, CtfPacketBuilder.PacketAlignment);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(packetSize, 16 << 20);
        if (packetSize % CtfPacketBuilder.PacketAlignment != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(packetSize), packetSize, "The packet size must be a multiple of 4096.");
        }

        foreach (var key in env.Keys)
        {
            if (!HookSignature.IsIdentifier(key) || s_keywords.Contains(key))
            {
                throw new ArgumentException($"ctf: env key '{key}' is not an identifier or is a TSDL keyword.", nameof(env));
            }
        }

        directory = Path.GetFullPath(directory);
        PrepareDirectory(directory);

        // Streams in buffer order: every buffer with records, and every buffer that lost events even if none survived.
        var streams = new SortedDictionary<int, (RingBuffer Buffer, List<TraceRecord> Records)>();
        foreach (var record in records)
        {
            if (!streams.TryGetValue(record.Buffer.Id, out var stream))
            {
                streams[record.Buffer.Id] = stream = (record.Buffer, []);
            }

            stream.Records.Add(record);
        }

        foreach (var buffer in session.Buffers)
        {
            if (buffer.Lost > 0 && !streams.ContainsKey(buffer.Id))
            {
                streams[buffer.Id] = (buffer, []);
            }
        }

        var events = records.Select(record => record.Event).OfType<TraceEvent>().Distinct().OrderBy(ev => ev.Id).ToList();
        var uuid = Guid.NewGuid();
        var metadataEnv = new Dictionary<string, string>(StringComparer.Ordinal) { ["tracer_name"] = "modulartrace" };
        foreach (var (key, value) in env)
        {
            metadataEnv[key] = value;
        }

        // Written with the trace, at its end: the tsc clock's calibration spans the whole session.
        _ = session.CalibrateClock();
        var metadata = Encoding.UTF8.GetBytes(CtfMetadata.Build(session, events, metadataEnv, uuid));
        var metadataPath = Path.Combine(directory, MetadataFileName);
        WriteFile(metadataPath, create, output => output.Write(metadata));

        var firstTimestamp = records.Count > 0 ? records[0].Timestamp : 0;
        var uuidBytes = uuid.ToByteArray(bigEndian: true);
        var totals = new CtfStreamTotals();
        foreach (var (id, (buffer, streamRecords)) in streams)
        {
            var path = Path.Combine(directory, FormattableString.Invariant($"stream_{id}"));
            WriteFile(path, create, output =>
                CtfStreamWriter.Write(output, buffer, streamRecords, new CtfPacketBuilder(packetSize, uuidBytes, buffer.Cpu), firstTimestamp, totals));
        }

        return new CtfTraceSummary(
            directory, totals.Events, streams.Count, totals.Packets, metadata.Length + totals.Bytes, totals.Discarded, totals.Skipped);
    }

    private static void PrepareDirectory(string directory)
    {
        bool empty;
        try
        {
            empty = !Directory.Exists(directory) || !Directory.EnumerateFileSystemEntries(directory).Any();
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new IOException($"ctf: cannot create trace directory '{directory}': {ex.Message}", ex);
        }

        if (!empty)
        {
            throw new IOException($"ctf: trace directory '{directory}' is not empty; refusing to mix traces\n  hint: pass a new directory");
        }
    }

    // Opens a new file, runs the writer, flushes to disk; any I/O failure becomes an IOException naming the file.
    private static void WriteFile(string path, Func<string, Stream> create, Action<Stream> write)
    {
        Stream? output = null;
        try
        {
            output = create(path);
            write(output);
            if (output is FileStream file)
            {
                file.Flush(flushToDisk: true);
            }
            else
            {
                output.Flush();
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"ctf: writing '{path}' failed: {ex.Message}; what was written before stays readable", ex);
        }
        finally
        {
            output?.Dispose();
        }
    }

    // Reserved words of TSDL: an env key spelled like one would not parse.
    private static readonly HashSet<string> s_keywords = new(StringComparer.Ordinal)
    {
        "align", "callsite", "const", "char", "clock", "double", "enum", "env", "event", "floating_point", "float",
        "integer", "int", "long", "short", "signed", "stream", "string", "struct", "trace", "typealias", "typedef",
        "unsigned", "variant", "void", "_Bool", "_Complex", "_Imaginary", "true", "false", "TRUE", "FALSE",
    };
}
