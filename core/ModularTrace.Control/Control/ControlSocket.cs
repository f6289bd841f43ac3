using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace ModularTrace.Control;

/// <summary>
/// Where control sockets live, following the diagnostics IPC conventions (NOTES-DOTNET.md §4): one socket per
/// process, named after its pid, in a directory only the user can enter, the path under 108 bytes.
/// </summary>
/// <remarks>
/// The directory is <c>$XDG_RUNTIME_DIR/mtrace</c> when that variable names a directory, else
/// <c>$TMPDIR/mtrace-&lt;uid&gt;</c> (<c>/tmp</c> when TMPDIR is unset). It is created 0700; an existing one must be a
/// real directory we can make 0700 (only its owner can), so a directory another user planted in /tmp is refused.
/// </remarks>
public static partial class ControlSocket
{
    /// <summary>The longest socket path the kernel accepts: <c>sun_path</c> is 108 bytes including the NUL.</summary>
    public const int MaxPathBytes = 107;

    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The socket mode: read and write for the owner only.</summary>
    public const UnixFileMode SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The directory this process's socket goes in.</summary>
    public static string Directory => Directories()[0];

    /// <summary>The file name of a process's socket.</summary>
    public static string FileName(int pid) => string.Create(CultureInfo.InvariantCulture, $"mtrace-{pid}.sock");

    /// <summary>The default socket path of a process.</summary>
    public static string ForProcess(int pid) => Path.Combine(Directory, FileName(pid));

    /// <summary>Where to look for sockets, most specific first: the runtime directory, then the temporary one.</summary>
    public static IReadOnlyList<string> Directories()
    {
        var list = new List<string>(2);
        if (Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime && System.IO.Directory.Exists(runtime))
        {
            list.Add(Path.Combine(runtime, "mtrace"));
        }

        var temp = Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 } tmp ? tmp : "/tmp";
        list.Add(Path.Combine(temp, string.Create(CultureInfo.InvariantCulture, $"mtrace-{UserId()}")));
        return list;
    }

    /// <summary>Finds a process's socket in <see cref="Directories"/>; null when there is none.</summary>
    public static string? Find(int pid) =>
        Directories().Select(d => Path.Combine(d, FileName(pid))).FirstOrDefault(File.Exists);

    /// <summary>Every <c>mtrace-&lt;pid&gt;.sock</c> in <see cref="Directories"/>, by pid; nothing is removed or checked.</summary>
    public static IReadOnlyList<(int Pid, string Path)> List()
    {
        var found = new List<(int, string)>();
        foreach (var directory in Directories().Distinct(StringComparer.Ordinal).Where(System.IO.Directory.Exists))
        {
            IEnumerable<string> files;
            try
            {
                files = System.IO.Directory.EnumerateFiles(directory, "mtrace-*.sock");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            foreach (var file in files)
            {
                var name = Path.GetFileName(file);
                if (int.TryParse(name.AsSpan(7, name.Length - 12), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    found.Add((pid, file));
                }
            }
        }

        return [.. found.OrderBy(f => f.Item1)];
    }

    /// <summary>Whether a process with this id is alive (Linux: <c>/proc/&lt;pid&gt;</c> exists).</summary>
    public static bool IsAlive(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        if (System.IO.Directory.Exists("/proc/self"))
        {
            return System.IO.Directory.Exists(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}"));
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Why a path cannot be a socket path (too long for <c>sun_path</c>), or null.</summary>
    public static string? CheckPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var bytes = Encoding.UTF8.GetByteCount(path);
        return bytes > MaxPathBytes
            ? $"socket path {path} is {bytes} bytes; a Unix socket path must be under 108"
            : null;
    }

    /// <summary>Creates the directory 0700, or checks an existing one can be made 0700 by us (so it is ours) and is not a link.</summary>
    /// <exception cref="IOException">The directory is a link, another user's, or cannot be created.</exception>
    public static void SecureDirectory(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Control sockets rely on Unix permissions.");
        }

        var info = new DirectoryInfo(directory);
        if (info.LinkTarget is not null)
        {
            throw new IOException($"{directory} is a symbolic link; refusing to put a control socket behind it");
        }

        if (!info.Exists)
        {
            System.IO.Directory.CreateDirectory(directory, DirectoryMode);
        }

        try
        {
            // Only the owner (or root) may chmod: success proves the directory is ours, not planted by another user.
            File.SetUnixFileMode(directory, DirectoryMode);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new IOException($"{directory} belongs to another user; refusing to put a control socket in it", ex);
        }

        if (File.GetUnixFileMode(directory) != DirectoryMode)
        {
            throw new IOException($"{directory} is not mode 0700; refusing to put a control socket in it");
        }
    }

    /// <summary>The effective user id of this process.</summary>
    public static uint UserId() => OperatingSystem.IsWindows() ? 0 : GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
