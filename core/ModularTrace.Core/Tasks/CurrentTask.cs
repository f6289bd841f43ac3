namespace ModularTrace.Tasks;

/// <summary>
/// The task and CPU the calling thread is running as: the kernel's <c>current</c> and <c>smp_processor_id()</c>.
/// Trace events record these in their common fields.
/// </summary>
/// <remarks>
/// A simulated kernel sets them on every context switch. A plain .NET host that never sets them gets the
/// managed thread id as pid, the thread name (or "dotnet") as comm, and the processor the thread last ran on.
/// Per thread; reading is a thread-static load.
/// </remarks>
public static class CurrentTask
{
    [ThreadStatic]
    private static bool t_set;

    [ThreadStatic]
    private static int t_cpu;

    [ThreadStatic]
    private static int t_pid;

    [ThreadStatic]
    private static string? t_comm;

    // static readonly: a constant once tiered up, so the modulo below compiles to a multiply, not a divide.
    private static readonly int s_processorCount = Environment.ProcessorCount;

    /// <summary>The CPU number.</summary>
    public static int Cpu => t_set ? t_cpu : Thread.GetCurrentProcessorId() % s_processorCount;

    /// <summary>The task (thread) id.</summary>
    public static int Pid => t_set ? t_pid : Environment.CurrentManagedThreadId;

    /// <summary>The task's command name, at most 16 characters in trace output.</summary>
    public static string Comm => t_set ? t_comm! : Thread.CurrentThread.Name ?? "dotnet";

    /// <summary>Sets the calling thread's CPU and task.</summary>
    public static void Set(int cpu, int pid, string comm)
    {
        ArgumentNullException.ThrowIfNull(comm);
        t_cpu = cpu;
        t_pid = pid;
        t_comm = comm;
        t_set = true;
        TaskNames.Remember(pid, comm);
    }

    /// <summary>Returns the calling thread to the defaults.</summary>
    public static void Clear()
    {
        t_set = false;
        t_comm = null;
    }
}
