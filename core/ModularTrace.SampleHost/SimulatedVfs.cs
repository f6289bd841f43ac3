using ModularTrace.Hooks;

namespace ModularTrace.SampleHost;

/// <summary>
/// The simulated VFS layer the syscalls go through. It has no hand-written hooks: the build weaves an entry hook into
/// each method (<see cref="EntryHooksAttribute"/>), so <c>f:ModularTrace.SampleHost.SimulatedVfs.Open(int dfd, string path)</c>
/// can define an event on it at run time, seed 001's function events.
/// </summary>
/// <remarks>One instance per simulated CPU; it only counts, so it never changes what the workload draws.</remarks>
[EntryHooks]
public sealed class SimulatedVfs
{
    /// <summary>Files opened (including failed opens).</summary>
    public long Opens { get; private set; }

    /// <summary>Bytes requested by reads.</summary>
    public ulong BytesRead { get; private set; }

    /// <summary>Bytes requested by writes.</summary>
    public ulong BytesWritten { get; private set; }

    /// <summary>Opens <paramref name="path"/> relative to <paramref name="dfd"/>; returns the number of opens so far.</summary>
    public long Open(int dfd, string path, int flags, int mode)
    {
        Opens++;
        return Opens;
    }

    /// <summary>Reads up to <paramref name="count"/> bytes at <paramref name="pos"/>; returns the bytes read so far.</summary>
    public ulong Read(int fd, ulong count, long pos)
    {
        BytesRead += count;
        return BytesRead;
    }

    /// <summary>Writes <paramref name="count"/> bytes at <paramref name="pos"/>; returns the bytes written so far.</summary>
    public ulong Write(int fd, ulong count, long pos)
    {
        BytesWritten += count;
        return BytesWritten;
    }
}
