using System.Diagnostics;
using System.Runtime.CompilerServices;
using ModularTrace.Tasks;

namespace ModularTrace.Hooks;

/// <summary>
/// What every record reads about its thread (the task it runs as, its ring buffer) behind one thread-static load;
/// a thread-static access costs several nanoseconds, and a record used to make five of them.
/// </summary>
/// <remarks>Only its own thread writes an instance; a grace period reads the firing counters (<see cref="GracePeriod"/>).</remarks>
internal sealed class ThreadTraceState
{
    [ThreadStatic]
    private static ThreadTraceState? t_current;

    /// <summary>The OS thread id (<c>gettid</c>), the pid of a thread that never set a task.</summary>
    public readonly int OsThreadId = OsThread.CurrentId();

    /// <summary>Whether the thread's OS id and name are in <c>TaskNames</c> (done at its first record as itself).</summary>
    public bool OsNameRemembered;

    /// <summary>Whether <c>CurrentTask.Set</c> gave this thread a task.</summary>
    public bool IsSet;

    public int Cpu;

    public int Pid;

    public string? Comm;

    /// <summary>
    /// The thread's ring buffer in the session that wrote last from it: a <c>RingBuffer</c> of ModularTrace.Tracing,
    /// which alone writes and reads it (<c>TraceSession.BufferOf</c>). Typed object because hooks know nothing of ring
    /// buffers; kept here so that a record pays one thread-static load for its task, its buffer and the grace period.
    /// </summary>
    public object? Buffer;

    /// <summary>
    /// The <see cref="Activity"/> whose trace id this thread recorded last, and that id's 16 bytes:
    /// a record under the same Activity copies them instead of parsing its hex id again. Written by this thread only.
    /// </summary>
    public Activity? TraceActivity;

    /// <summary>See <see cref="TraceActivity"/>.</summary>
    public TraceIdBytes TraceId;

    /// <summary>Firings in progress on this thread, by epoch parity (<see cref="GracePeriod"/>); written by this thread only.</summary>
    public int Readers0;

    /// <summary>See <see cref="Readers0"/>.</summary>
    public int Readers1;

    private readonly WeakReference<Thread> _thread = new(Thread.CurrentThread);

    /// <summary>Whether the thread that owns this state still runs.</summary>
    public bool IsAlive => _thread.TryGetTarget(out var thread) && thread.IsAlive;

    /// <summary>The calling thread's state, made on first use.</summary>
    public static ThreadTraceState Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => t_current ?? Create();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ThreadTraceState Create()
    {
        var state = new ThreadTraceState();
        GracePeriod.Register(state);
        return t_current = state;
    }
}

/// <summary>A trace id's 16 bytes, inline in <see cref="ThreadTraceState"/>.</summary>
[InlineArray(16)]
internal struct TraceIdBytes
{
    private byte _element;
}
