using System.Runtime.InteropServices;

namespace ModularTrace.Tasks;

/// <summary>
/// The operating system's id of the calling thread: what <c>ps -L</c>, <c>top -H</c>, <c>perf</c> and a debugger show,
/// unlike <see cref="Environment.CurrentManagedThreadId"/>, which is the runtime's own small counter.
/// </summary>
/// <remarks>
/// The runtime asks the same calls for its internal <c>Thread.CurrentOSThreadId</c> (<c>gettid</c> on Linux,
/// <c>pthread_threadid_np</c> on macOS, <c>GetCurrentThreadId</c> on Windows) but does not make it public. It is
/// read once per thread, when the thread's trace state is made, never per record.
/// </remarks>
internal static partial class OsThread
{
    /// <summary>The calling thread's OS id; the managed thread id where the platform offers none.</summary>
    public static int CurrentId()
    {
        try
        {
            if (OperatingSystem.IsLinux())
            {
                return GetTid();
            }

            if (OperatingSystem.IsWindows())
            {
                return unchecked((int)GetCurrentThreadId());
            }

            if (OperatingSystem.IsMacOS() && PthreadThreadIdNp(0, out var id) == 0)
            {
                return unchecked((int)id);
            }
        }
        catch (EntryPointNotFoundException)
        {
            // A libc without gettid (glibc before 2.30, some musl): the managed id still tells threads apart.
        }
        catch (DllNotFoundException)
        {
        }

        return Environment.CurrentManagedThreadId;
    }

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();

    [LibraryImport("kernel32.dll", EntryPoint = "GetCurrentThreadId")]
    private static partial uint GetCurrentThreadId();

    [LibraryImport("libSystem.dylib", EntryPoint = "pthread_threadid_np")]
    private static partial int PthreadThreadIdNp(nint thread, out ulong id);
}
