using System.Runtime.CompilerServices;
using ModularTrace.Buffers;

namespace ModularTrace.Tasks;

/// <summary>
/// What every record reads about its thread (the task it runs as, its ring buffer) behind one thread-static load;
/// a thread-static access costs several nanoseconds, and a record used to make five of them.
/// </summary>
/// <remarks>Only its own thread touches an instance, so its fields need no synchronisation.</remarks>
internal sealed class ThreadTraceState
{
    [ThreadStatic]
    private static ThreadTraceState? t_current;

    /// <summary>The managed thread id, the pid of a thread that never set a task.</summary>
    public readonly int ManagedThreadId = Environment.CurrentManagedThreadId;

    /// <summary>Whether <see cref="CurrentTask.Set"/> gave this thread a task.</summary>
    public bool IsSet;

    public int Cpu;

    public int Pid;

    public string? Comm;

    /// <summary>The thread's ring buffer in the session that wrote last from it (<see cref="RingBuffer.Session"/>).</summary>
    public RingBuffer? Buffer;

    /// <summary>The calling thread's state, made on first use.</summary>
    public static ThreadTraceState Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => t_current ?? Create();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ThreadTraceState Create() => t_current = new ThreadTraceState();
}
