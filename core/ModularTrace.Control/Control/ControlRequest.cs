namespace ModularTrace.Control;

/// <summary>A request: <c>op</c> plus the arguments that operation reads; others are ignored (docs/live-control.md).</summary>
public sealed record ControlRequest
{
    /// <summary>The operation, one of <see cref="ControlOps"/>.</summary>
    public string? Op { get; init; }

    /// <summary><c>hello</c>: the protocol version the client speaks.</summary>
    public int? Protocol { get; init; }

    /// <summary><c>hello</c>: who is asking, for the host's log.</summary>
    public string? Client { get; init; }

    /// <summary><c>insmod</c>, <c>keys_enroll</c>: an absolute path the host opens itself.</summary>
    public string? Path { get; init; }

    /// <summary><c>insmod</c>: load despite a vermagic mismatch (taints F).</summary>
    public bool ForceVermagic { get; init; }

    /// <summary><c>insmod</c>: load despite hook CRC mismatches (taints F).</summary>
    public bool ForceModversion { get; init; }

    /// <summary><c>insmod</c>: how the verified bytes are loaded, <c>strict</c> (default) or <c>plugin</c>.</summary>
    public string? Loader { get; init; }

    /// <summary><c>rmmod</c>: the module name.</summary>
    public string? Name { get; init; }

    /// <summary><c>enable</c>, <c>disable</c>, <c>filter</c>, <c>trigger</c>: <c>SYS:EVENT</c>, <c>SYS:*</c> or <c>all</c>.</summary>
    public string? Selector { get; init; }

    /// <summary><c>filter</c>: the expression in the kernel's grammar; <c>0</c> clears the filter.</summary>
    public string? Expr { get; init; }

    /// <summary><c>trigger</c>: the trigger text as written to the kernel's trigger file.</summary>
    public string? Trigger { get; init; }

    /// <summary><c>events</c>: <c>SYS:EVENT</c> whose format file to return instead of the list.</summary>
    public string? Format { get; init; }

    /// <summary><c>trace</c>, <c>trace_pipe</c>: stop after this many records (default: all now / until closed).</summary>
    public long? MaxEvents { get; init; }

    /// <summary>
    /// <c>trace_pipe</c>: the client acknowledges each frame (<c>ack</c> with its <c>count</c>) once it has written it
    /// out, and asks to end with <c>stop</c>; the host then settles exactly what was delivered and reports the rest as lost.
    /// </summary>
    public bool Ack { get; init; }

    /// <summary><c>ack</c>: records the client has written out so far in this stream (the <c>count</c> of a frame).</summary>
    public long? Count { get; init; }

    /// <summary><c>keys_enroll</c>: the client's user said yes on its terminal. Not a confirmation on its own: the host asks its owner (<see cref="ControlOps.KeysConfirm"/>).</summary>
    public bool Confirmed { get; init; }

    /// <summary><c>keys_confirm</c>: the one-time code the host showed on its console for a pending enrolment.</summary>
    public string? Code { get; init; }

    /// <summary><c>keys_enroll</c>: SHA-256 of the certificate the owner confirmed; the host refuses another.</summary>
    public string? Sha256 { get; init; }
}
