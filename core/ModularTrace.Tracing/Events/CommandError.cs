namespace ModularTrace.Events;

/// <summary>
/// A refused command (a filter, a trigger, a dynamic-event definition) and where in it the error sits, as the
/// kernel's <c>tracing_log_err()</c> records it for the <c>error_log</c> file.
/// </summary>
/// <param name="Subsystem">Who refused it, e.g. <c>event filter parse error</c> or <c>hist:sched:sched_switch</c>.</param>
/// <param name="Command">The command as written.</param>
/// <param name="Position">Byte offset (UTF-8) into <paramref name="Command"/> of the offending token.</param>
/// <param name="Message">What is wrong, one line: the kernel's <c>err_text[]</c> wording where the kernel has one.</param>
public sealed record CommandError(string Subsystem, string Command, int Position, string Message)
{
    /// <summary>What ModularTrace knows beyond the kernel's text (the valid fields, the quoted form), or null. The
    /// CLI prints it as a <c>hint:</c> line; <see cref="ErrorLog"/> leaves it out, so the log keeps the kernel's three lines.</summary>
    public string? Hint { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Subsystem}: error: {Message} (at byte {Position} of '{Command}')";
}
