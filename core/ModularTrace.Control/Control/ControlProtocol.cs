namespace ModularTrace.Control;

/// <summary>
/// The live-control protocol's fixed numbers (docs/live-control.md): frames are a u32 big-endian length followed by
/// that many bytes of UTF-8 JSON; the first request on a connection is <c>hello</c> carrying <see cref="Version"/>.
/// </summary>
public static class ControlProtocol
{
    /// <summary>The protocol version this build speaks. A peer with another version is refused at <c>hello</c>.</summary>
    public const int Version = 1;

    /// <summary>Bytes of the frame header: the payload length, u32 big-endian.</summary>
    public const int HeaderSize = 4;

    /// <summary>The largest request payload a host accepts (64 KiB); the length is checked before the body is read.</summary>
    public const int MaxRequestBytes = 64 * 1024;

    /// <summary>The largest reply payload a client accepts (1 MiB); hosts split longer output into several frames.</summary>
    public const int MaxResponseBytes = 1024 * 1024;

    /// <summary>The request names, in the order <c>hello</c> lists them.</summary>
    public static IReadOnlyList<string> Operations { get; } =
    [
        ControlOps.Hello, ControlOps.Insmod, ControlOps.Rmmod, ControlOps.Lsmod, ControlOps.Events, ControlOps.Enable,
        ControlOps.Disable, ControlOps.Filter, ControlOps.Trigger, ControlOps.Trace, ControlOps.TracePipe, ControlOps.Stat,
        ControlOps.Taint, ControlOps.KeysList, ControlOps.KeysEnroll, ControlOps.KeysConfirm, ControlOps.Ack, ControlOps.Stop,
        ControlOps.Hooks, ControlOps.Hist,
    ];
}

/// <summary>Request names (<c>"op"</c>).</summary>
public static class ControlOps
{
    /// <summary>Version handshake; must be the first request.</summary>
    public const string Hello = "hello";

    /// <summary>Load a module file the host reads itself.</summary>
    public const string Insmod = "insmod";

    /// <summary>Unload a module by name.</summary>
    public const string Rmmod = "rmmod";

    /// <summary>List loaded modules.</summary>
    public const string Lsmod = "lsmod";

    /// <summary>List events, or one event's format file.</summary>
    public const string Events = "events";

    /// <summary>Enable the events a selector names.</summary>
    public const string Enable = "enable";

    /// <summary>Disable the events a selector names.</summary>
    public const string Disable = "disable";

    /// <summary>Set (or with <c>0</c>, clear) the filter of the events a selector names.</summary>
    public const string Filter = "filter";

    /// <summary>Attach a trigger to the events a selector names.</summary>
    public const string Trigger = "trigger";

    /// <summary>A non-consuming snapshot of the buffers as text lines (streamed).</summary>
    public const string Trace = "trace";

    /// <summary>Consuming read of the buffers as text lines, streamed until the client closes or has its count.</summary>
    public const string TracePipe = "trace_pipe";

    /// <summary>Inside a <c>trace_pipe</c> with <c>ack</c>: the client has written out <c>count</c> records.</summary>
    public const string Ack = "ack";

    /// <summary>Inside a <c>trace_pipe</c> with <c>ack</c>: end the stream; frames already sent are still acknowledged.</summary>
    public const string Stop = "stop";

    /// <summary>Per-buffer counters.</summary>
    public const string Stat = "stat";

    /// <summary>The host's taints.</summary>
    public const string Taint = "taint";

    /// <summary>The host's hooks as its <c>Module.symvers</c> text, and its vermagic: what modules are built against.</summary>
    public const string Hooks = "hooks";

    /// <summary>The <c>hist</c> files of the selected events that have a hist trigger (tracefs' <c>events/SYS/EVENT/hist</c>).</summary>
    public const string Hist = "hist";

    /// <summary>The host's keyrings.</summary>
    public const string KeysList = "keys_list";

    /// <summary>
    /// Ask to enrol a certificate into the host's machine keyring. Only a host started to take such requests
    /// (<see cref="ControlServerOptions.Enrollment"/>) accepts it, and then only as pending: its owner confirms it with the
    /// one-time code the host shows on its own console (<see cref="KeysConfirm"/>), as MOK asks for a password at the
    /// console on the next boot. A client's own <c>confirmed</c> flag is not a confirmation.
    /// </summary>
    public const string KeysEnroll = "keys_enroll";

    /// <summary>Confirm a pending enrolment with the code the host showed on its console.</summary>
    public const string KeysConfirm = "keys_confirm";
}

/// <summary>Error codes a reply carries in <c>"code"</c>: errno names, as the kernel would return them.</summary>
public static class ControlErrors
{
    /// <summary>Protocol version mismatch, or a request before <c>hello</c>.</summary>
    public const string Protocol = "EPROTO";

    /// <summary>The request frame is larger than <see cref="ControlProtocol.MaxRequestBytes"/>.</summary>
    public const string TooLarge = "EMSGSIZE";

    /// <summary>The request is not a JSON object of the documented shape, or an argument is missing or bad.</summary>
    public const string Invalid = "EINVAL";

    /// <summary>Unknown request name.</summary>
    public const string Unsupported = "EOPNOTSUPP";

    /// <summary>The request did not arrive, or did not finish, in time.</summary>
    public const string TimedOut = "ETIMEDOUT";

    /// <summary>The host serves as many clients as it allows.</summary>
    public const string Busy = "EBUSY";

    /// <summary>The peer is another user.</summary>
    public const string AccessDenied = "EACCES";

    /// <summary>Nothing matched (no such module, no such event).</summary>
    public const string NotFound = "ENOENT";

    /// <summary>Refused by policy: a module the loader refused, an enrolment not confirmed or locked down.</summary>
    public const string NotPermitted = "EPERM";

    /// <summary>The host failed while serving the request; it keeps serving.</summary>
    public const string Internal = "EIO";
}
