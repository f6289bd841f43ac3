using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;

[assembly: TraceModule("sched", Version = "1.0.0", License = "GPL-2.0", Author = "ModularTrace developers",
    Description = "Scheduler events: sched_switch, sched_wakeup, sched_process_fork, sched_process_exit",
    Entry = typeof(ModularTrace.Module.Sched.SchedModule))]

namespace ModularTrace.Module.Sched;

/// <summary>The scheduler's trace events, built on the bare sched_* hooks.</summary>
public sealed class SchedModule : ITraceModule
{
    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        DefineSwitch(context);
        DefineWakeup(context);
        DefineFork(context);
        DefineExit(context);
    }

    private static void DefineSwitch(ModuleContext context)
    {
        var b = new EventLayoutBuilder();
        var prevComm = b.Chars("prev_comm", 16);
        var prevPid = b.S32("prev_pid");
        var prevPrio = b.S32("prev_prio");
        var prevState = b.S64("prev_state");
        var nextComm = b.Chars("next_comm", 16);
        var nextPid = b.S32("next_pid");
        var nextPrio = b.S32("next_prio");
#if HOOK_SWITCH_PREEMPT
        // Kernels that pass 'preempt' get it recorded too: appended, so the other offsets stay put.
        var preempt = b.Bool("preempt");
        const string Print = "prev_comm={prev_comm} prev_pid={prev_pid} prev_prio={prev_prio} prev_state=0x{prev_state:x} ==> next_comm={next_comm} next_pid={next_pid} next_prio={next_prio} preempt={preempt}";
#else
        const string Print = "prev_comm={prev_comm} prev_pid={prev_pid} prev_prio={prev_prio} prev_state=0x{prev_state:x} ==> next_comm={next_comm} next_pid={next_pid} next_prio={next_prio}";
#endif
        var ev = context.DefineEvent("sched", "sched_switch", new EventClass("sched_switch", b.Build(), Print));
#if HOOK_SWITCH_PREEMPT
        context.Record(context.Hook<Hook<bool, string, int, int, long, string, int, int>>("sched_switch"), ev, (ref w, pre, pc, pp, ppr, ps, nc, np, npr) =>
#else
        context.Record(context.Hook<Hook<string, int, int, long, string, int, int>>("sched_switch"), ev, (ref w, pc, pp, ppr, ps, nc, np, npr) =>
#endif
        {
            w.Set(prevComm, pc);
            w.Set(prevPid, pp);
            w.Set(prevPrio, ppr);
            w.Set(prevState, ps);
            w.Set(nextComm, nc);
            w.Set(nextPid, np);
            w.Set(nextPrio, npr);
#if HOOK_SWITCH_PREEMPT
            w.Set(preempt, pre);
#endif
        });
    }

    private static void DefineWakeup(ModuleContext context)
    {
        var b = new EventLayoutBuilder();
        var comm = b.Chars("comm", 16);
        var pid = b.S32("pid");
        var prio = b.S32("prio");
#if HOOK_WAKEUP_SUCCESS
        // Older kernels still pass 'success' (always 1): it sits before target_cpu, as it did in the kernel's event.
        var success = b.S32("success");
        const string Print = "comm={comm} pid={pid} prio={prio} success={success} target_cpu={target_cpu}";
#else
        const string Print = "comm={comm} pid={pid} prio={prio} target_cpu={target_cpu}";
#endif
        var targetCpu = b.S32("target_cpu");
        var ev = context.DefineEvent("sched", "sched_wakeup", new EventClass("sched_wakeup_template", b.Build(), Print));
#if HOOK_WAKEUP_SUCCESS
        context.Record(context.Hook<Hook<string, int, int, int, int>>("sched_wakeup"), ev, (ref w, c, p, pr, s, t) =>
#else
        context.Record(context.Hook<Hook<string, int, int, int>>("sched_wakeup"), ev, (ref w, c, p, pr, t) =>
#endif
        {
            w.Set(comm, c);
            w.Set(pid, p);
            w.Set(prio, pr);
#if HOOK_WAKEUP_SUCCESS
            w.Set(success, s);
#endif
            w.Set(targetCpu, t);
        });
    }

    private static void DefineFork(ModuleContext context)
    {
        var b = new EventLayoutBuilder();
        var parentComm = b.Chars("parent_comm", 16);
        var parentPid = b.S32("parent_pid");
        var childComm = b.Chars("child_comm", 16);
        var childPid = b.S32("child_pid");
        var ev = context.DefineEvent("sched", "sched_process_fork", new EventClass("sched_process_fork", b.Build(),
            "comm={parent_comm} pid={parent_pid} child_comm={child_comm} child_pid={child_pid}"));
        context.Record(context.Hook<Hook<string, int, string, int>>("sched_process_fork"), ev, (ref w, pc, pp, cc, cp) =>
        {
            w.Set(parentComm, pc);
            w.Set(parentPid, pp);
            w.Set(childComm, cc);
            w.Set(childPid, cp);
        });
    }

    private static void DefineExit(ModuleContext context)
    {
        var b = new EventLayoutBuilder();
        var comm = b.Chars("comm", 16);
        var pid = b.S32("pid");
        var prio = b.S32("prio");
        var ev = context.DefineEvent("sched", "sched_process_exit", new EventClass("sched_process_template", b.Build(),
            "comm={comm} pid={pid} prio={prio}"));
        context.Record(context.Hook<Hook<string, int, int>>("sched_process_exit"), ev, (ref w, c, p, pr) =>
        {
            w.Set(comm, c);
            w.Set(pid, p);
            w.Set(prio, pr);
        });
    }
}
