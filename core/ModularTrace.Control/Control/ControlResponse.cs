namespace ModularTrace.Control;

/// <summary>
/// A reply frame. <see cref="Ok"/> says whether the request succeeded; on failure <see cref="Code"/>,
/// <see cref="Error"/> and maybe <see cref="Hint"/> say why. A streamed reply sends frames with <see cref="More"/> set
/// and ends with one without. Only the fields an operation fills are written.
/// </summary>
public sealed record ControlResponse
{
    /// <summary>Whether the request succeeded.</summary>
    public bool Ok { get; init; }

    /// <summary>On failure: an errno name from <see cref="ControlErrors"/>.</summary>
    public string? Code { get; init; }

    /// <summary>On failure: one line, the kernel-style message (DESIGN.md's table for module loads).</summary>
    public string? Error { get; init; }

    /// <summary>What to do next, or null.</summary>
    public string? Hint { get; init; }

    /// <summary>A refused filter or trigger: the command and the byte position of the offending token.</summary>
    public CommandErrorInfo? CommandError { get; init; }

    /// <summary>Log lines the request produced (taint warnings and the like).</summary>
    public IReadOnlyList<string>? Messages { get; init; }

    /// <summary>Streamed replies: more frames follow.</summary>
    public bool? More { get; init; }

    /// <summary><c>hello</c>: the host's protocol version.</summary>
    public int? Protocol { get; init; }

    /// <summary><c>hello</c>: the host's process id.</summary>
    public int? Pid { get; init; }

    /// <summary><c>hello</c>, <c>hooks</c>, <c>stat</c>: the host's vermagic.</summary>
    public string? Vermagic { get; init; }

    /// <summary><c>hello</c>: the host's signature policy.</summary>
    public string? Policy { get; init; }

    /// <summary><c>hello</c>: the operations the host serves.</summary>
    public IReadOnlyList<string>? Ops { get; init; }

    /// <summary><c>hooks</c>: the host's <c>Module.symvers</c> (<c>0xCRC&lt;TAB&gt;name&lt;TAB&gt;prototype</c> lines).</summary>
    public string? Symvers { get; init; }

    /// <summary><c>insmod</c>: the module loaded.</summary>
    public ModuleInfo? Module { get; init; }

    /// <summary><c>lsmod</c>: loaded modules in load order.</summary>
    public IReadOnlyList<ModuleInfo>? Modules { get; init; }

    /// <summary><c>events</c>: the defined events; <c>enable</c>, <c>disable</c>, <c>filter</c>, <c>trigger</c>: those changed.</summary>
    public IReadOnlyList<EventInfo>? Events { get; init; }

    /// <summary><c>events</c> with <c>format</c>: the format file text.</summary>
    public string? FormatText { get; init; }

    /// <summary><c>trace</c>, <c>trace_pipe</c>: text lines in ftrace's shape; <c>hist</c>: the hist files' lines.</summary>
    public IReadOnlyList<string>? Lines { get; init; }

    /// <summary>
    /// <c>trace</c> (last frame): records sent. <c>trace_pipe</c> with <c>ack</c>: records sent up to the end of this
    /// frame, the number the client acknowledges once it has written them out; last frame: records sent in all.
    /// </summary>
    public long? Count { get; init; }

    /// <summary>
    /// <c>trace_pipe</c> (last frame): why the stream ended: <c>count</c> (max_events reached), <c>stopped</c> (the client
    /// asked) or <c>host_stopping</c> (the host is shutting down).
    /// </summary>
    public string? End { get; init; }

    /// <summary><c>trace_pipe</c> (last frame, <c>host_stopping</c>): records the host still held that no reader was sent.</summary>
    public long? Unread { get; init; }

    /// <summary><c>stat</c>: per-buffer counters.</summary>
    public IReadOnlyList<BufferInfo>? Buffers { get; init; }

    /// <summary><c>stat</c>: probe faults by module and hook (empty when no probe threw).</summary>
    public IReadOnlyList<ProbeFaultInfo>? ProbeFaults { get; init; }

    /// <summary><c>taint</c>, <c>stat</c>: the host's taints.</summary>
    public TaintInfo? Taints { get; init; }

    /// <summary><c>keys_list</c>: certificates in the host's keyrings.</summary>
    public IReadOnlyList<KeyInfo>? Keys { get; init; }

    /// <summary><c>keys_list</c>: whether the keyrings are locked down.</summary>
    public bool? Locked { get; init; }

    /// <summary><c>keys_enroll</c>: the enrolment waits for the host owner's confirmation.</summary>
    public bool? Pending { get; init; }

    /// <summary>A failure reply.</summary>
    /// <remarks>The error and hint may carry a client's or a file's text: they are shown without control characters.</remarks>
    public static ControlResponse Fail(string code, string error, string? hint = null) => new()
    {
        Ok = false,
        Code = code,
        Error = Text.DisplayText.Printable(error, max: 2048),
        Hint = hint is null ? null : Text.DisplayText.Printable(hint, max: 2048),
    };
}

/// <summary>A refused command as the kernel's <c>error_log</c> records it.</summary>
/// <param name="Subsystem">Who refused it.</param>
/// <param name="Command">The command as written.</param>
/// <param name="Position">Byte offset (UTF-8) of the offending token.</param>
/// <param name="Message">What is wrong.</param>
public sealed record CommandErrorInfo(string Subsystem, string Command, int Position, string Message);

/// <summary>One lsmod line.</summary>
/// <param name="Name">Module name.</param>
/// <param name="Version">Module version.</param>
/// <param name="Size">Bytes of the module image.</param>
/// <param name="UsedBy">Modules importing its exports.</param>
/// <param name="Taints">Taint letters the module brought, e.g. <c>OE</c>.</param>
/// <param name="Signer">The signer's common name, or null when unsigned.</param>
/// <param name="KeyId">The signer's key id, or null.</param>
/// <param name="Origin">The file it was loaded from.</param>
public sealed record ModuleInfo(string Name, string Version, int Size, IReadOnlyList<string> UsedBy, string Taints, string? Signer, string? KeyId, string Origin)
{
    /// <summary>How many times a probe of this module threw (each was detached; the module and host carry taint Q).</summary>
    public long ProbeFaults { get; init; }
}

/// <summary>Probe faults of one owner on one hook, as <c>stat</c> lists them.</summary>
/// <param name="Module">The module name, or <c>host</c> for a probe no module attached; unloaded modules stay listed.</param>
/// <param name="Hook">The hook that was firing.</param>
/// <param name="Faults">How many times its probes threw.</param>
public sealed record ProbeFaultInfo(string Module, string Hook, long Faults);

/// <summary>One event.</summary>
/// <param name="Name"><c>system:name</c>.</param>
/// <param name="Id">The event id.</param>
/// <param name="Enabled">Whether it records.</param>
/// <param name="Filter">The filter text, or null.</param>
/// <param name="Triggers">The triggers' texts.</param>
/// <param name="Module">The module that defined it, or null.</param>
/// <param name="FilteredOut">Records the filter rejected.</param>
public sealed record EventInfo(string Name, int Id, bool Enabled, string? Filter, IReadOnlyList<string> Triggers, string? Module, long FilteredOut)
{
    /// <summary>The description of an event.</summary>
    public static EventInfo From(Events.TraceEvent ev)
    {
        ArgumentNullException.ThrowIfNull(ev);
        return new EventInfo(ev.FullName, ev.Id, ev.IsEnabled, ev.Filter?.Text, [.. ev.Triggers.Select(t => t.Text)], ev.Owner?.ToString(), ev.FilteredOut);
    }
}

/// <summary>One ring buffer's counters (the kernel's <c>per_cpu/cpuN/stats</c>).</summary>
/// <param name="Buffer">Buffer index.</param>
/// <param name="Cpu">The CPU its writer ran as.</param>
/// <param name="Entries">Records in the buffer now.</param>
/// <param name="Written">Records written.</param>
/// <param name="Overrun">Records overwritten before being read.</param>
/// <param name="Dropped">Records never written (buffer full).</param>
/// <param name="Read">Records consumed.</param>
/// <param name="Bytes">Bytes written.</param>
/// <remarks>
/// The books balance: <c>written = delivered + reader_lost + overrun + entries + in_flight</c>; dropped records were
/// never written. Overrun, dropped and reader-lost records are each reported once as <c>CPU:n [LOST N EVENTS]</c> to the
/// next reader that takes a record of this buffer; <see cref="LostUnreported"/> counts those no reader was told of yet.
/// </remarks>
public sealed record BufferInfo(int Buffer, int Cpu, long Entries, long Written, long Overrun, long Dropped, long Read, long Bytes)
{
    /// <summary>Records a <c>trace_pipe</c> reader acknowledged (or, for a reader that does not acknowledge, was sent).</summary>
    public long Delivered { get; init; }

    /// <summary>Records sent to <c>trace_pipe</c> readers that stopped, timed out or died before acknowledging them.</summary>
    public long ReaderLost { get; init; }

    /// <summary>Records taken from the ring and not settled: the merge's look-ahead and readers' unacknowledged ones.</summary>
    public long InFlight { get; init; }

    /// <summary>Losses (overrun, dropped, reader lost) not yet reported to a reader as <c>LOST</c>.</summary>
    public long LostUnreported { get; init; }
}

/// <summary>The host's taints.</summary>
/// <param name="Letters">Kernel letters, e.g. <c>OE</c>; empty when not tainted.</param>
/// <param name="Mask">The bit mask.</param>
public sealed record TaintInfo(string Letters, int Mask);

/// <summary>A certificate in a keyring.</summary>
/// <param name="Keyring"><c>builtin</c>, <c>secondary</c> or <c>machine</c>.</param>
/// <param name="Signer">Its common name.</param>
/// <param name="Sha256">SHA-256 of its DER, lower-case hex.</param>
public sealed record KeyInfo(string Keyring, string Signer, string Sha256);
