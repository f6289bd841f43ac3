using ModularTrace.Hooks;

namespace ModularTrace.SampleHost;

/// <summary>
/// The simulated kernel's raw hooks: bare tracepoints with kernel names and prototypes, and nothing else.
/// Every user-visible event comes from a module that attaches to these.
/// </summary>
/// <remarks>Fields are <c>readonly</c>, so a disabled <c>Fire</c> is a field load, a null test and a jump.</remarks>
public sealed class KernelHooks
{
    /// <summary>Declares the hooks of the host as built into <paramref name="registry"/>.</summary>
    public KernelHooks(HookRegistry registry)
        : this(registry, HookVariants.None)
    {
    }

    /// <summary>
    /// Declares the hooks of a profile. A variant replaces a hook in the registry by its other shape; the shape it
    /// replaces still exists (and fires, at the cost of one branch) but nobody can attach to it.
    /// </summary>
    public KernelHooks(HookRegistry registry, HookVariants variants)
    {
        ArgumentNullException.ThrowIfNull(registry);
        Registry = registry;
        Variants = variants;
        SchedSwitch = new Hook<string, int, int, long, string, int, int>(
            "sched_switch", "prev_comm", "prev_pid", "prev_prio", "prev_state", "next_comm", "next_pid", "next_prio");
        if (variants.HasFlag(HookVariants.SwitchPreempt))
        {
            SchedSwitchPreempt = registry.Register(new Hook<bool, string, int, int, long, string, int, int>(
                "sched_switch", "preempt", "prev_comm", "prev_pid", "prev_prio", "prev_state", "next_comm", "next_pid", "next_prio"));
        }
        else
        {
            registry.Register(SchedSwitch);
        }

        SchedWakeup = new Hook<string, int, int, int>("sched_wakeup", "comm", "pid", "prio", "target_cpu");
        if (variants.HasFlag(HookVariants.WakeupSuccess))
        {
            SchedWakeupSuccess = registry.Register(new Hook<string, int, int, int, int>("sched_wakeup", "comm", "pid", "prio", "success", "target_cpu"));
        }
        else
        {
            registry.Register(SchedWakeup);
        }

        SchedProcessFork = registry.Register(new Hook<string, int, string, int>(
            "sched_process_fork", "parent_comm", "parent_pid", "child_comm", "child_pid"));
        SchedProcessExit = registry.Register(new Hook<string, int, int>("sched_process_exit", "comm", "pid", "prio"));
        SysOpenat = registry.Register(new Hook<int, string, int, int, long>(
            variants.HasFlag(HookVariants.Openat2) ? "do_sys_openat2" : "sys_openat", "dfd", "filename", "flags", "mode", "ret"));
        VfsRead = registry.Register(new Hook<int, ulong, long, long>("vfs_read", "fd", "count", "pos", "ret"));
        VfsWrite = registry.Register(new Hook<int, ulong, long, long>("vfs_write", "fd", "count", "pos", "ret"));
        BlockRqIssue = registry.Register(new Hook<uint, ulong, uint, string, int, string>(
            "block_rq_issue", "dev", "sector", "nr_sector", "rwbs", "pid", "comm"));
        BlockRqComplete = registry.Register(new Hook<uint, ulong, uint, string, int, ulong>(
            "block_rq_complete", "dev", "sector", "nr_sector", "rwbs", "error", "latency_ns"));
        IrqHandlerEntry = registry.Register(new Hook<int, string>("irq_handler_entry", "irq", "name"));
        IrqHandlerExit = registry.Register(new Hook<int, int>("irq_handler_exit", "irq", "ret"));
        MmPageAlloc = registry.Register(new Hook<ulong, int, uint, int>("mm_page_alloc", "pfn", "order", "gfp_flags", "migratetype"));
        MmPageFree = registry.Register(new Hook<ulong, int>("mm_page_free", "pfn", "order"));
        NetDevXmit = registry.Register(new Hook<string, uint, int, ulong>("net_dev_xmit", "dev", "len", "rc", "skbaddr"));
        NetifReceiveSkb = registry.Register(new Hook<string, uint, ulong>("netif_receive_skb", "dev", "len", "skbaddr"));
    }

    /// <summary>The registry the hooks live in.</summary>
    public HookRegistry Registry { get; }

    /// <summary>How this hook set differs from the host as built.</summary>
    public HookVariants Variants { get; }

    /// <summary>sched_switch with a leading <c>preempt</c> (profiles with <see cref="HookVariants.SwitchPreempt"/>), else null.</summary>
    public Hook<bool, string, int, int, long, string, int, int>? SchedSwitchPreempt { get; }

    /// <summary>sched_wakeup with <c>success</c> (profiles with <see cref="HookVariants.WakeupSuccess"/>), else null.</summary>
    public Hook<string, int, int, int, int>? SchedWakeupSuccess { get; }

    /// <summary>A context switch on this CPU (prev_state: 0 running, 1 sleeping, 2 uninterruptible, 0x40 dead).</summary>
    public Hook<string, int, int, long, string, int, int> SchedSwitch { get; }

    /// <summary>A sleeping task made runnable.</summary>
    public Hook<string, int, int, int> SchedWakeup { get; }

    /// <summary>A task forked a child.</summary>
    public Hook<string, int, string, int> SchedProcessFork { get; }

    /// <summary>A task exited.</summary>
    public Hook<string, int, int> SchedProcessExit { get; }

    /// <summary>openat(2) returned (ret: an fd or a negative errno).</summary>
    public Hook<int, string, int, int, long> SysOpenat { get; }

    /// <summary>A read through the VFS (ret: bytes read or a negative errno).</summary>
    public Hook<int, ulong, long, long> VfsRead { get; }

    /// <summary>A write through the VFS (ret: bytes written or a negative errno).</summary>
    public Hook<int, ulong, long, long> VfsWrite { get; }

    /// <summary>A block request sent to the device (rwbs: "R", "W", "WS", "RA", ...).</summary>
    public Hook<uint, ulong, uint, string, int, string> BlockRqIssue { get; }

    /// <summary>A block request completed.</summary>
    public Hook<uint, ulong, uint, string, int, ulong> BlockRqComplete { get; }

    /// <summary>An interrupt handler starts.</summary>
    public Hook<int, string> IrqHandlerEntry { get; }

    /// <summary>An interrupt handler returns (ret: 1 handled, 0 not).</summary>
    public Hook<int, int> IrqHandlerExit { get; }

    /// <summary>Pages allocated from the buddy allocator.</summary>
    public Hook<ulong, int, uint, int> MmPageAlloc { get; }

    /// <summary>Pages returned to the buddy allocator.</summary>
    public Hook<ulong, int> MmPageFree { get; }

    /// <summary>A packet handed to the network device.</summary>
    public Hook<string, uint, int, ulong> NetDevXmit { get; }

    /// <summary>A packet received from the network device.</summary>
    public Hook<string, uint, ulong> NetifReceiveSkb { get; }
}
