using System.Runtime.CompilerServices;
using ModularTrace.Hooks;

namespace ModularTrace.Tasks;

/// <summary>
/// The task and CPU the calling thread is running as: the kernel's <c>current</c> and <c>smp_processor_id()</c>.
/// Trace events record these in their common fields.
/// </summary>
/// <remarks>
/// A simulated kernel sets them on every context switch. A plain .NET host that never sets them gets the
/// OS thread id as pid (<c>gettid</c>, what <c>ps -L</c> and <c>top -H</c> show; not the managed thread id), the
/// thread's name (or "dotnet") as comm, and the processor the thread last ran on. Per thread; reading is a
/// thread-static load.
/// </remarks>
public static class CurrentTask
{
    // static readonly: a constant once tiered up, so the modulo below compiles to a multiply, not a divide.
    private static readonly int s_processorCount = Environment.ProcessorCount;

    /// <summary>The CPU number.</summary>
    public static int Cpu => CpuOf(ThreadTraceState.Current);

    /// <summary>The task (thread) id: the simulated task's pid, else the OS thread id.</summary>
    public static int Pid => PidOf(ThreadTraceState.Current);

    /// <summary>The task's command name, at most 16 characters in trace output.</summary>
    public static string Comm
    {
        get
        {
            var state = ThreadTraceState.Current;
            return state.IsSet ? state.Comm! : Thread.CurrentThread.Name ?? "dotnet";
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int CpuOf(ThreadTraceState state) => state.IsSet ? state.Cpu : HostCpu();

    // The processor id is below the processor count except where CPUs are offline or the process is limited to some;
    // the remainder (an integer division, about 10 ns) is only paid there.
    private static int HostCpu()
    {
        var id = Thread.GetCurrentProcessorId();
        return (uint)id < (uint)s_processorCount ? id : (id & int.MaxValue) % s_processorCount;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int PidOf(ThreadTraceState state) => state.IsSet ? state.Pid : state.OsNameRemembered ? state.OsThreadId : RememberOsThread(state);

    // A thread's first record as itself puts its name in TaskNames, as the kernel's saved_cmdlines learns a comm when
    // the task first records. Not at thread start: a simulated task's pid may equal a host thread's tid, and a real
    // thread is usually named (thread pool, Kestrel) by then.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int RememberOsThread(ThreadTraceState state)
    {
        TaskNames.Remember(state.OsThreadId, Thread.CurrentThread.Name ?? "dotnet");
        state.OsNameRemembered = true;
        return state.OsThreadId;
    }

    /// <summary>Sets the calling thread's CPU and task.</summary>
    public static void Set(int cpu, int pid, string comm)
    {
        ArgumentNullException.ThrowIfNull(comm);
        var state = ThreadTraceState.Current;
        state.Cpu = cpu;
        state.Pid = pid;
        state.Comm = comm;
        state.IsSet = true;
        TaskNames.Remember(pid, comm);
    }

    /// <summary>Returns the calling thread to the defaults.</summary>
    public static void Clear()
    {
        var state = ThreadTraceState.Current;
        state.IsSet = false;
        state.OsNameRemembered = false; // a simulated pid may have taken its tid's name meanwhile
        state.Comm = null;
    }
}
