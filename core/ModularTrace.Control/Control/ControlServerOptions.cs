using ModularTrace.Events;
using ModularTrace.Modules;

namespace ModularTrace.Control;

/// <summary>What a <see cref="ControlServer"/> serves and its limits.</summary>
public sealed record ControlServerOptions
{
    /// <summary>The host's trace session (events, buffers).</summary>
    public required TraceSession Session { get; init; }

    /// <summary>The host's module loader (modules, keyrings, taints).</summary>
    public required ModuleLoader Loader { get; init; }

    /// <summary>The socket path; default <see cref="ControlSocket.ForProcess"/> of this process, in a 0700 directory.</summary>
    public string? SocketPath { get; init; }

    /// <summary>Clients served at once; more are answered <c>EBUSY</c> and closed. Default 16.</summary>
    public int MaxClients { get; init; } = 16;

    /// <summary>How long a frame may take once its first byte arrived, and how long a reply may take to write. Default 10 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a request may run (a module load verifies a signature and runs init). Default 60 s.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a connection may sit idle between requests. Default 5 minutes.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often <c>trace_pipe</c> looks for new records when the buffers are empty. Default 50 ms.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Whether clients may ask for machine-keyring enrolment over the socket. Default <see cref="SocketEnrollment.Refused"/>:
    /// whoever can reach the socket must not be able to make the host trust a key.
    /// </summary>
    public SocketEnrollment Enrollment { get; init; } = SocketEnrollment.Refused;

    /// <summary>How long a pending enrolment waits for its confirmation code. Default 5 minutes.</summary>
    public TimeSpan EnrollmentTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Where the host shows a pending enrolment's one-time code: its own console, never the socket. Default
    /// <see cref="Log"/>. The code must reach the host's owner and not the requester.
    /// </summary>
    public Action<string>? Console { get; init; }

    /// <summary>Receives one line per connection problem and per module or key change; never throws into the server.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Checks the options; returns a one-line reason when they are not usable.</summary>
    public string? Validate() => this switch
    {
        { MaxClients: < 1 or > 1024 } => $"MaxClients must be between 1 and 1024 (got {MaxClients})",
        _ when RequestTimeout <= TimeSpan.Zero || OperationTimeout <= TimeSpan.Zero || IdleTimeout <= TimeSpan.Zero || PollInterval <= TimeSpan.Zero
            => "timeouts and the poll interval must be positive",
        _ => null,
    };
}

/// <summary>Whether a host takes machine-keyring enrolment requests over its control socket.</summary>
public enum SocketEnrollment
{
    /// <summary>Refused (<c>EPERM</c>): keys are enrolled into the keyring directory on disk, and the host restarted.</summary>
    Refused,

    /// <summary>
    /// Taken as pending: the host shows a one-time code on its console (<see cref="ControlServerOptions.Console"/>) and
    /// enrols only when the code comes back in a <c>keys_confirm</c> request (MOK's password at the console).
    /// </summary>
    ConfirmOnConsole,
}
