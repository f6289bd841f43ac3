using ModularTrace.Signing;

namespace ModularTrace.Modules;

/// <summary>
/// Reads a module file once, bounded: the loader verifies and runs exactly these bytes. Like the kernel's
/// <c>kernel_read_file</c>, a file larger than the limit is refused (<c>EFBIG</c>) instead of read, so a path naming
/// <c>/dev/zero</c> or a runaway file cannot exhaust the host's memory.
/// </summary>
public static class ModuleFile
{
    /// <summary>The largest module file the loader reads: 64 MiB (the sample modules are tens of KiB).</summary>
    public const int MaxBytes = 64 * 1024 * 1024;

    /// <summary>Reads at most <paramref name="limit"/> bytes of <paramref name="path"/>.</summary>
    /// <returns>The file's bytes, or null with a one-line reason (I/O error, access, too large).</returns>
    public static byte[]? TryRead(string path, out string? error, int limit = MaxBytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        // finit_module's rule: a regular file only (a FIFO, device or directory is refused before anything blocks),
        // read no further than the limit, within the process-wide read budget.
        return RegularFile.TryReadAllBytes(path, limit, out error, "module size limit");
    }
}
