namespace ModularTrace.Cli;

/// <summary>An expected failure the CLI reports as one stderr line (plus an optional hint) and an exit status.</summary>
internal sealed class CliException(string message, string? hint = null, int exitCode = ExitCodes.Error) : Exception(message)
{
    public string? Hint { get; } = hint;

    /// <summary>Lines printed after the first (e.g. the command echoed with a caret under the error).</summary>
    public string? Details { get; init; }

    public int ExitCode { get; } = exitCode;
}

/// <summary>Exit statuses shared by every verb (abi diff adds its bit mask on top: 4 change, 8 incompatible).</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Error = 1;
    public const int Usage = 2;
}
