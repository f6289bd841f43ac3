using System.Diagnostics;
using ModularTrace.Tasks;

namespace ModularTrace.SampleHost;

/// <summary>One simulated CPU: a run queue, a current task and a seeded generator, run on its own thread.</summary>
/// <remarks>
/// Every table is bounded and every lookup indexed, so a step costs the same at the ten-millionth firing as at the
/// first: long runs and soaks measure the tracer, not the simulator (the task list used to grow like a random walk and
/// was scanned on every step).
/// </remarks>
internal sealed class SimulatedCpu
{
    // Live forked children per CPU (fork turns into exit at the cap), pages held, pids before they wrap (pid_max).
    private const int MaxChildren = 64;
    private const int MaxPages = 4096;
    private const int PidRange = 30_000;

    private enum HookId
    {
        SchedSwitch, SchedWakeup, SchedProcessFork, SchedProcessExit, SysOpenat, VfsRead, VfsWrite,
        BlockRqIssue, BlockRqComplete, IrqHandlerEntry, IrqHandlerExit, MmPageAlloc, MmPageFree, NetDevXmit, NetifReceiveSkb,
    }

    private const long TaskRunning = 0, TaskInterruptible = 1, TaskUninterruptible = 2, TaskDead = 0x40;
    private const int Enoent = 2, Eagain = 11;
    private const uint GfpKernel = 0xcc0, GfpUser = 0x100cca;

    private static readonly string[] s_paths =
    [
        "/etc/ld.so.cache", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/etc/passwd", "/etc/nsswitch.conf",
        "/proc/self/stat", "/proc/meminfo", "/sys/fs/cgroup/cpu.max", "/var/log/syslog", "/var/lib/postgresql/15/main/base/16384/2619",
        "/home/alice/data/measurements.csv", "/tmp/.X11-unix/X0", "/usr/share/zoneinfo/Europe/Berlin", "/etc/missing.conf",
    ];

    private static readonly (string Comm, int Prio)[] s_userTasks =
    [
        ("bash", 120), ("sshd", 120), ("nginx", 120), ("postgres", 120), ("python3", 120),
        ("java", 120), ("node", 120), ("rsyslogd", 120), ("cron", 120), ("dockerd", 120),
    ];

    private readonly KernelHooks _hooks;
    private readonly Random _random;
    private readonly long _quota;
    private readonly int? _rate;
    private readonly List<SimTask> _tasks = []; // the boot-time tasks, in boot order; never grows
    private readonly List<SimTask> _users = []; // runnable user tasks, children included; SimTask.Slot indexes it
    private readonly Queue<SimTask> _children = new(); // live children, oldest first
    private readonly Queue<SimTask> _sleepers = new(); // tasks that went to sleep, oldest first (SimTask.Queued)
    private readonly Queue<BlockRequest> _inflightIo = new();
    private readonly List<(ulong Pfn, int Order)> _pages = [];
    private readonly long[] _fires = new long[Enum.GetValues<HookId>().Length];
    private readonly SimulatedVfs _vfs = new();
    private SimTask _current;
    private int _forks;
    private readonly int _pidBase;
    private ulong _nextSector;
    private ulong _clockNs;

    public SimulatedCpu(KernelHooks hooks, int id, WorkloadOptions options)
    {
        _hooks = hooks;
        Id = id;
        _random = new Random(unchecked((options.Seed * 7919) + id));
        _rate = options.Rate;
        _quota = options.Events is { } events ? (events / options.Cpus) + (id < events % options.Cpus ? 1 : 0) : long.MaxValue;
        // Kernel threads first, with the low pids a real boot gives them.
        var swapper = new SimTask(0, $"swapper/{id}", 120, Kernel: true);
        _tasks.Add(swapper);
        _tasks.Add(new SimTask(15 + (6 * id), $"migration/{id}", 0, Kernel: true));
        _tasks.Add(new SimTask(16 + (6 * id), $"ksoftirqd/{id}", 120, Kernel: true));
        _tasks.Add(new SimTask(18 + (6 * id), $"kworker/{id}:1", 120, Kernel: true));
        _tasks.Add(new SimTask(19 + (6 * id), $"kworker/{id}:1H", 100, Kernel: true));
        if (id == 0)
        {
            _tasks.Add(new SimTask(1, "systemd", 120, Kernel: false));
            _tasks.Add(new SimTask(11, "rcu_sched", 120, Kernel: true));
        }

        for (var i = 0; i < s_userTasks.Length; i++)
        {
            var (comm, prio) = s_userTasks[i];
            _tasks.Add(new SimTask(1000 + (id * 1000) + (i * 37), comm, prio, Kernel: false));
        }

        foreach (var task in _tasks.Where(t => !t.Kernel))
        {
            AddUser(task);
        }

        // Each CPU forks in its own pid range, so children of two CPUs never share a pid.
        _pidBase = 100_000 + (id * PidRange);
        _nextSector = (ulong)(2048 + (id * 10_000_000));
        _current = swapper;
    }

    public int Id { get; }

    public long Fired { get; private set; }

    public IEnumerable<(string Hook, long Count)> FiresByHook =>
        Enum.GetValues<HookId>().Select(id => (HookName(id), _fires[(int)id]));

    public void Run(long deadline, CancellationToken cancellationToken)
    {
        CurrentTask.Set(Id, _current.Pid, _current.Comm);
        try
        {
            var steps = 0;
            var started = Stopwatch.GetTimestamp();
            while (Fired < _quota && !cancellationToken.IsCancellationRequested)
            {
                if ((++steps & 255) == 0)
                {
                    if (Stopwatch.GetTimestamp() > deadline)
                    {
                        break;
                    }

                    Pace(started, cancellationToken);
                }

                Step();
            }
        }
        finally
        {
            CurrentTask.Clear();
        }
    }

    // With a rate, sleep off any lead over the schedule; waiting on the token keeps cancellation prompt.
    private void Pace(long started, CancellationToken cancellationToken)
    {
        if (_rate is not { } rate)
        {
            return;
        }

        var due = Fired * 1000.0 / rate;
        var ahead = due - Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (ahead >= 1)
        {
            cancellationToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(Math.Min(ahead, 1000)));
        }
    }

    private void Step()
    {
        _clockNs += (ulong)_random.Next(500, 20_000);
        var roll = _random.Next(100);
        switch (roll)
        {
            case < 22: Syscall(); break;
            case < 40: Switch(); break;
            case < 50: Wakeup(); break;
            case < 62: Interrupt(); break;
            case < 74: Memory(); break;
            case < 84: Transmit(); break;
            case < 89: ForkOrExit(); break;
            default: Idle(); break;
        }
    }

    // Each firing takes one unit of this CPU's budget; an operation stops mid-way when the budget is spent,
    // so the firing count is exact.
    private bool Take(HookId hook)
    {
        if (Fired >= _quota)
        {
            return false;
        }

        Fired++;
        _fires[(int)hook]++;
        return true;
    }

    private SimTask UserTask() => _users[_random.Next(_users.Count)];

    private void AddUser(SimTask task)
    {
        task.Slot = _users.Count;
        _users.Add(task);
    }

    // Swap with the last: O(1), and the order of the table is not part of the workload.
    private void RemoveUser(SimTask task)
    {
        var last = _users[^1];
        _users[task.Slot] = last;
        last.Slot = task.Slot;
        _users.RemoveAt(_users.Count - 1);
    }

    private void Sleep(SimTask task)
    {
        task.Sleeping = true;
        if (!task.Queued)
        {
            task.Queued = true;
            _sleepers.Enqueue(task);
        }
    }

    // The oldest task still asleep; woken and exited ones left in the queue are dropped on the way.
    private SimTask? OldestSleeper()
    {
        while (_sleepers.TryPeek(out var task))
        {
            if (task.Sleeping && !task.Exited)
            {
                return task;
            }

            task.Queued = false;
            _sleepers.Dequeue();
        }

        return null;
    }

    private void SwitchTo(SimTask next, long prevState)
    {
        if (next == _current || !Take(HookId.SchedSwitch))
        {
            return;
        }

        var prev = _current;
        if (prev.Pid == 0)
        {
            prevState = TaskRunning; // the idle task never sleeps
        }

        _hooks.SchedSwitch.Fire(prev.Comm, prev.Pid, prev.Prio, prevState, next.Comm, next.Pid, next.Prio);
        _hooks.SchedSwitchPreempt?.Fire(prevState == TaskRunning, prev.Comm, prev.Pid, prev.Prio, prevState, next.Comm, next.Pid, next.Prio);
        if (prevState is TaskInterruptible or TaskUninterruptible)
        {
            Sleep(prev);
        }
        else
        {
            prev.Sleeping = false;
        }

        next.Sleeping = false;
        _current = next;
        CurrentTask.Set(Id, next.Pid, next.Comm);
    }

    private void Switch()
    {
        var next = _random.Next(4) == 0 ? _tasks[1 + _random.Next(3)] : UserTask();
        var state = _current.Pid == 0 ? TaskRunning : _random.Next(3) switch { 0 => TaskRunning, 1 => TaskInterruptible, _ => TaskUninterruptible };
        SwitchTo(next, state);
    }

    private void Wakeup()
    {
        var sleeper = OldestSleeper() ?? UserTask();
        if (!Take(HookId.SchedWakeup))
        {
            return;
        }

        sleeper.Sleeping = false;
        var target = _random.Next(2) == 0 ? Id : _random.Next(Math.Max(1, Id + 2));
        _hooks.SchedWakeup.Fire(sleeper.Comm, sleeper.Pid, sleeper.Prio, target);
        _hooks.SchedWakeupSuccess?.Fire(sleeper.Comm, sleeper.Pid, sleeper.Prio, 1, target);
    }

    private void Syscall()
    {
        if (_current.Kernel)
        {
            SwitchTo(UserTask(), TaskInterruptible);
            return;
        }

        switch (_random.Next(10))
        {
            case < 3:
                var path = s_paths[_random.Next(s_paths.Length)];
                var missing = path == "/etc/missing.conf";
                var fd = missing ? -Enoent : 3 + _random.Next(60);
                if (Take(HookId.SysOpenat))
                {
                    // Draws in the order the single Fire call used to, so the workload stays the same for a seed.
                    var flags = _random.Next(2) == 0 ? 0x80000 : 0x241;
                    var mode = missing ? 0 : 0x1a4;
                    _vfs.Open(-100, path, flags, mode);
                    _hooks.SysOpenat.Fire(-100, path, flags, mode, fd);
                }

                break;
            case < 7:
                var count = (ulong)(1 << _random.Next(9, 17));
                var readRet = _random.Next(20) == 0 ? -Eagain : (long)count - _random.Next((int)count / 4);
                if (Take(HookId.VfsRead))
                {
                    var readFd = 3 + _random.Next(60);
                    long readPos = _random.Next(1 << 20);
                    _vfs.Read(readFd, count, readPos);
                    _hooks.VfsRead.Fire(readFd, count, readPos, readRet);
                }

                if (_random.Next(3) == 0)
                {
                    Issue(count, "R");
                }

                break;
            default:
                var size = (ulong)_random.Next(1, 65_536);
                if (Take(HookId.VfsWrite))
                {
                    var writeFd = 1 + _random.Next(62);
                    long writePos = _random.Next(1 << 20);
                    _vfs.Write(writeFd, size, writePos);
                    _hooks.VfsWrite.Fire(writeFd, size, writePos, (long)size);
                }

                if (_random.Next(4) == 0)
                {
                    Issue(size, _random.Next(2) == 0 ? "W" : "WS");
                }

                break;
        }
    }

    private void Issue(ulong bytes, string rwbs)
    {
        var sectors = (uint)Math.Max(8, (bytes + 511) / 512);
        var request = new BlockRequest(0x10300 + (uint)(Id & 1), _nextSector, sectors, rwbs, _clockNs);
        _nextSector += sectors + (ulong)_random.Next(0, 4096);
        if (!Take(HookId.BlockRqIssue))
        {
            return;
        }

        _hooks.BlockRqIssue.Fire(request.Dev, request.Sector, request.Sectors, rwbs, _current.Pid, _current.Comm);
        _inflightIo.Enqueue(request);
    }

    private void Interrupt()
    {
        var (irq, name) = _inflightIo.Count > 0 && _random.Next(3) > 0 ? (133, "nvme0q1")
            : _random.Next(2) == 0 ? (140, "eth0-TxRx-0") : (0, "timer");
        if (!Take(HookId.IrqHandlerEntry))
        {
            return;
        }

        _hooks.IrqHandlerEntry.Fire(irq, name);
        if (irq == 133)
        {
            while (_inflightIo.Count > 0 && Take(HookId.BlockRqComplete))
            {
                var done = _inflightIo.Dequeue();
                var latency = Math.Max(_clockNs - done.IssuedNs, 0) + (ulong)_random.Next(60_000, 2_000_000);
                _hooks.BlockRqComplete.Fire(done.Dev, done.Sector, done.Sectors, done.Rwbs, _random.Next(500) == 0 ? -5 : 0, latency);
                if (_random.Next(2) == 0)
                {
                    break;
                }
            }
        }
        else if (irq == 140 && Take(HookId.NetifReceiveSkb))
        {
            _hooks.NetifReceiveSkb.Fire("eth0", (uint)_random.Next(60, 1515), SkbAddress());
        }

        if (Take(HookId.IrqHandlerExit))
        {
            _hooks.IrqHandlerExit.Fire(irq, 1);
        }

        if (irq == 0 && _random.Next(2) == 0)
        {
            SwitchTo(_random.Next(3) == 0 ? _tasks[2] : UserTask(), TaskRunning);
        }
    }

    private void Memory()
    {
        if (_pages.Count > 0 && (_random.Next(2) == 0 || _pages.Count >= MaxPages))
        {
            var at = _random.Next(_pages.Count);
            var (pfn, order) = _pages[at];
            _pages[at] = _pages[^1];
            _pages.RemoveAt(_pages.Count - 1);
            if (Take(HookId.MmPageFree))
            {
                _hooks.MmPageFree.Fire(pfn, order);
            }

            return;
        }

        var newOrder = _random.Next(8) == 0 ? _random.Next(1, 4) : 0;
        var newPfn = (ulong)_random.Next(0x100000, 0x800000) & ~((1UL << newOrder) - 1);
        if (Take(HookId.MmPageAlloc))
        {
            _hooks.MmPageAlloc.Fire(newPfn, newOrder, _current.Kernel ? GfpKernel : GfpUser, _random.Next(3));
            _pages.Add((newPfn, newOrder));
        }
    }

    private void Transmit()
    {
        if (Take(HookId.NetDevXmit))
        {
            _hooks.NetDevXmit.Fire(_random.Next(10) == 0 ? "lo" : "eth0", (uint)_random.Next(54, 1515), 0, SkbAddress());
        }
    }

    private void ForkOrExit()
    {
        if (_children.TryPeek(out var child) && (_random.Next(2) == 0 || _children.Count >= MaxChildren))
        {
            if (Take(HookId.SchedProcessExit))
            {
                _hooks.SchedProcessExit.Fire(child.Comm, child.Pid, child.Prio);
                child.Exited = true;
                _children.Dequeue();
                RemoveUser(child);
                if (child == _current)
                {
                    SwitchTo(_tasks[0], TaskDead);
                }
            }

            return;
        }

        var parent = _current.Kernel ? UserTask() : _current;
        var born = new SimTask(_pidBase + (_forks++ % PidRange), parent.Comm, parent.Prio, Kernel: false);
        if (Take(HookId.SchedProcessFork))
        {
            _hooks.SchedProcessFork.Fire(parent.Comm, parent.Pid, born.Comm, born.Pid);
            _children.Enqueue(born);
            AddUser(born);
        }
    }

    private void Idle() => SwitchTo(_tasks[0], _current.Pid == 0 ? TaskRunning : TaskInterruptible);

    private ulong SkbAddress() => 0xffff888100000000UL + ((ulong)_random.Next(0, 1 << 24) << 8);

    private string HookName(HookId id) => id switch
    {
        HookId.SchedSwitch => _hooks.SchedSwitch.Name,
        HookId.SchedWakeup => _hooks.SchedWakeup.Name,
        HookId.SchedProcessFork => _hooks.SchedProcessFork.Name,
        HookId.SchedProcessExit => _hooks.SchedProcessExit.Name,
        HookId.SysOpenat => _hooks.SysOpenat.Name,
        HookId.VfsRead => _hooks.VfsRead.Name,
        HookId.VfsWrite => _hooks.VfsWrite.Name,
        HookId.BlockRqIssue => _hooks.BlockRqIssue.Name,
        HookId.BlockRqComplete => _hooks.BlockRqComplete.Name,
        HookId.IrqHandlerEntry => _hooks.IrqHandlerEntry.Name,
        HookId.IrqHandlerExit => _hooks.IrqHandlerExit.Name,
        HookId.MmPageAlloc => _hooks.MmPageAlloc.Name,
        HookId.MmPageFree => _hooks.MmPageFree.Name,
        HookId.NetDevXmit => _hooks.NetDevXmit.Name,
        HookId.NetifReceiveSkb => _hooks.NetifReceiveSkb.Name,
        _ => throw new UnreachableException(),
    };

    private sealed record SimTask(int Pid, string Comm, int Prio, bool Kernel)
    {
        public bool Sleeping { get; set; }

        public bool Exited { get; set; }

        // Its index in _users while it is a runnable user task.
        public int Slot { get; set; }

        // Whether it is in _sleepers (at most once, so the queue stays bounded by the task count).
        public bool Queued { get; set; }
    }

    private readonly record struct BlockRequest(uint Dev, ulong Sector, uint Sectors, string Rwbs, ulong IssuedNs);
}
