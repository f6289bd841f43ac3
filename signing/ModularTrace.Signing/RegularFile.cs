using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Tmds.Linux;

namespace ModularTrace.Signing;

/// <summary>
/// Reads a file the host was asked to open (a module, a certificate, a key, a blacklist, a pack index, a symvers file,
/// a spec) the way the kernel's <c>kernel_read_file</c> does: only a regular file, never more than a size limit, and
/// with the memory of all reads in flight bounded together.
/// </summary>
/// <remarks>
/// <para>
/// A FIFO, a device, a socket or a directory is refused from <c>stat</c>, before anything is opened (opening a FIFO
/// blocks until a writer comes; opening some devices has effects), and again from <c>fstat</c> of the descriptor, which
/// is opened with <c>O_NONBLOCK</c> so that a path swapped to a FIFO in between cannot block either: the check is made on
/// the file that is read (<c>finit_module</c>'s rule). Symbolic links are followed, as <c>finit_module</c> follows them.
/// </para>
/// <para>
/// Every read reserves its file's size from a process-wide budget of <see cref="BudgetBytes"/> before it allocates, and
/// waits up to <see cref="BudgetWait"/> when the budget is taken; past that it is refused with <c>EAGAIN</c>. So many
/// concurrent requests for large files hold at most the budget, never their sum.
/// </para>
/// </remarks>
public static class RegularFile
{
    /// <summary>What all reads in flight may hold together: 256 MiB.</summary>
    public const long BudgetBytes = 256L * 1024 * 1024;

    private static readonly object s_budgetGate = new();
    private static long s_inFlight;
    private static long s_peak;

    /// <summary>How long a read waits for the budget before it is refused with EAGAIN.</summary>
    public static TimeSpan BudgetWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Bytes reserved by reads in flight now.</summary>
    public static long InFlightBytes
    {
        get
        {
            lock (s_budgetGate)
            {
                return s_inFlight;
            }
        }
    }

    /// <summary>The most bytes reads in flight have reserved at once since the process started (or <see cref="ResetPeak"/>).</summary>
    public static long PeakBytes
    {
        get
        {
            lock (s_budgetGate)
            {
                return s_peak;
            }
        }
    }

    /// <summary>Starts <see cref="PeakBytes"/> again from the bytes in flight now.</summary>
    public static void ResetPeak()
    {
        lock (s_budgetGate)
        {
            s_peak = s_inFlight;
        }
    }

    /// <summary>Reads the whole of <paramref name="path"/>, a regular file of at most <paramref name="limit"/> bytes.</summary>
    /// <param name="path">The file; symbolic links are followed.</param>
    /// <param name="limit">The largest size read.</param>
    /// <param name="limitName">How refusals name the limit, e.g. "module size limit".</param>
    /// <exception cref="RegularFileException">Not a regular file, too large, the budget is taken, or an I/O error; the message is one line ending with an errno name.</exception>
    public static byte[] ReadAllBytes(string path, long limit, string limitName = "size limit")
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ArgumentNullException.ThrowIfNull(limitName);
        if (path.Length == 0 || path.Contains('\0', StringComparison.Ordinal))
        {
            throw new RegularFileException("ENOENT", "no such file");
        }

        return OperatingSystem.IsLinux() ? ReadLinux(path, limit, limitName) : ReadManaged(path, limit, limitName);
    }

    /// <summary><see cref="ReadAllBytes"/>, as UTF-8 text.</summary>
    /// <exception cref="RegularFileException">As <see cref="ReadAllBytes"/>.</exception>
    public static string ReadAllText(string path, long limit, string limitName = "size limit") => Encoding.UTF8.GetString(ReadAllBytes(path, limit, limitName));

    /// <summary><see cref="ReadAllBytes"/> that returns null and a one-line reason instead of throwing.</summary>
    public static byte[]? TryReadAllBytes(string path, long limit, out string? error, string limitName = "size limit")
    {
        try
        {
            error = null;
            return ReadAllBytes(path, limit, limitName);
        }
        catch (RegularFileException ex)
        {
            error = ex.Message;
            return null;
        }
    }

    private static unsafe byte[] ReadLinux(string path, long limit, string limitName)
    {
        var name = Encoding.UTF8.GetBytes(path + "\0");
        stat status;
        int fd;
        fixed (byte* bytes = name)
        {
            if (LibC.stat(bytes, &status) != 0)
            {
                throw FromErrno(LibC.errno);
            }

            CheckType(status);
            fd = LibC.open(bytes, LibC.O_RDONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC | LibC.O_NOCTTY);
            if (fd < 0)
            {
                throw FromErrno(LibC.errno);
            }
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (LibC.fstat(fd, &status) != 0)
        {
            throw FromErrno(LibC.errno);
        }

        CheckType(status);
        return ReadReserved(handle, status.st_size, limit, limitName);
    }

    private static byte[] ReadManaged(string path, long limit, string limitName)
    {
        if (Directory.Exists(path))
        {
            throw new RegularFileException("EISDIR", "is a directory");
        }

        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            return ReadReserved(handle, RandomAccess.GetLength(handle), limit, limitName);
        }
        catch (Exception ex) when ((ex is IOException or UnauthorizedAccessException) && ex is not RegularFileException)
        {
            throw new RegularFileException("EIO", KernelPkcs7.OneLine(ex.Message));
        }
    }

    private static void CheckType(stat status)
    {
        var mode = status.st_mode;
        if (LibC.S_ISREG(mode))
        {
            return;
        }

        var (errno, what) = LibC.S_ISDIR(mode) ? ("EISDIR", "is a directory")
            : LibC.S_ISFIFO(mode) ? ("EINVAL", "is a FIFO, not a regular file")
            : LibC.S_ISCHR(mode) ? ("EINVAL", "is a character device, not a regular file")
            : LibC.S_ISBLK(mode) ? ("EINVAL", "is a block device, not a regular file")
            : LibC.S_ISSOCK(mode) ? ("EINVAL", "is a socket, not a regular file")
            : ("EINVAL", "is not a regular file");
        throw new RegularFileException(errno, what);
    }

    private static byte[] ReadReserved(SafeFileHandle handle, long size, long limit, string limitName)
    {
        if (size > limit)
        {
            throw TooLarge(size, limit, limitName);
        }

        // One byte more than the size, so a file that grew after fstat is seen rather than cut.
        var reserve = Math.Min(size + 1, limit + 1);
        Reserve(reserve);
        try
        {
            var buffer = new byte[size];
            var total = 0;
            while (total < buffer.Length)
            {
                var read = RandomAccess.Read(handle, buffer.AsSpan(total), total);
                if (read == 0)
                {
                    return buffer[..total];
                }

                total += read;
            }

            Span<byte> probe = stackalloc byte[1];
            if (RandomAccess.Read(handle, probe, total) != 0)
            {
                throw new RegularFileException("EAGAIN", string.Create(CultureInfo.InvariantCulture, $"the file grew past its size of {size} bytes while it was read"));
            }

            return buffer;
        }
        catch (IOException ex) when (ex is not RegularFileException)
        {
            throw new RegularFileException("EIO", KernelPkcs7.OneLine(ex.Message));
        }
        finally
        {
            Release(reserve);
        }
    }

    private static void Reserve(long bytes)
    {
        var deadline = DateTime.UtcNow + BudgetWait;
        lock (s_budgetGate)
        {
            // A single read larger than the whole budget waits for an empty budget instead of never fitting.
            while (s_inFlight > 0 && s_inFlight + bytes > BudgetBytes)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || !Monitor.Wait(s_budgetGate, left))
                {
                    throw new RegularFileException(
                        "EAGAIN",
                        string.Create(CultureInfo.InvariantCulture, $"too many files are being read at once ({s_inFlight / (1024 * 1024)} MiB of the {BudgetBytes / (1024 * 1024)} MiB read budget in use); try again"));
                }
            }

            s_inFlight += bytes;
            s_peak = Math.Max(s_peak, s_inFlight);
        }
    }

    private static void Release(long bytes)
    {
        lock (s_budgetGate)
        {
            s_inFlight -= bytes;
            Monitor.PulseAll(s_budgetGate);
        }
    }

    private static RegularFileException TooLarge(long size, long limit, string limitName) =>
        new("EFBIG", string.Create(CultureInfo.InvariantCulture, $"file of {size} bytes is larger than the {limitName} of {Limit(limit)}"));

    private static string Limit(long limit) => limit >= 1024 * 1024 && limit % (1024 * 1024) == 0
        ? string.Create(CultureInfo.InvariantCulture, $"{limit / (1024 * 1024)} MiB")
        : string.Create(CultureInfo.InvariantCulture, $"{limit} bytes");

    private static RegularFileException FromErrno(int errno)
    {
        var known = new[]
        {
            (LibC.ENOENT, "ENOENT"), (LibC.EACCES, "EACCES"), (LibC.ENOTDIR, "ENOTDIR"), (LibC.ELOOP, "ELOOP"),
            (LibC.ENAMETOOLONG, "ENAMETOOLONG"), (LibC.EMFILE, "EMFILE"), (LibC.EPERM, "EPERM"), (LibC.EINTR, "EINTR"),
        };
        var name = Array.Find(known, entry => entry.Item1 == errno).Item2 ?? string.Create(CultureInfo.InvariantCulture, $"errno {errno}");
        return new RegularFileException(name, Marshal.GetPInvokeErrorMessage(errno));
    }
}

/// <summary>A file <see cref="RegularFile"/> refused or could not read; <see cref="Exception.Message"/> ends with the errno name in parentheses.</summary>
public sealed class RegularFileException : IOException
{
    /// <summary>A refusal: <paramref name="errno"/> (e.g. EINVAL) and what is wrong.</summary>
    public RegularFileException(string errno, string reason)
        : base($"{reason} ({errno})")
    {
        Errno = errno;
        Reason = reason;
    }

    /// <summary>The errno name: EISDIR, EINVAL (not a regular file), EFBIG (too large), EAGAIN (read budget taken), ENOENT, EACCES, ...</summary>
    public string Errno { get; }

    /// <summary>The reason without the errno.</summary>
    public string Reason { get; }
}
