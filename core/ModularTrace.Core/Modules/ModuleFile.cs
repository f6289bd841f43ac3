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
        error = null;
        // A directory opens on Unix (and reads as EISDIR or "access denied" by runtime): name what it is instead.
        if (Directory.Exists(path))
        {
            error = "is a directory, not a module file (EISDIR)";
            return null;
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            // Devices and pipes report no length: read them in chunks up to the limit like any other file.
            var known = stream.CanSeek ? stream.Length : -1;
            if (known > limit)
            {
                error = TooLarge(known, limit);
                return null;
            }

            using var buffer = known >= 0 ? new MemoryStream((int)known) : new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, (long)limit + 1 - buffer.Length))) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > limit)
                {
                    error = TooLarge(-1, limit);
                    return null;
                }
            }

            return buffer.ToArray();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            error = "no such file (ENOENT)";
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            error = "permission denied (EACCES)";
            return null;
        }
        catch (IOException ex)
        {
            error = ex.Message;
            return null;
        }
    }

    private static string TooLarge(long size, int limit) =>
        (size >= 0 ? $"file of {size} bytes is larger" : "file is larger") + $" than the module size limit of {limit / (1024 * 1024)} MiB (EFBIG)";
}
