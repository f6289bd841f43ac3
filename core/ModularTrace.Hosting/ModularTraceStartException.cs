namespace ModularTrace.Hosting;

/// <summary>
/// The host refused to start ModularTrace: a configuration error, or (under <c>enforce</c> and <c>lockdown</c>) a module,
/// pack or certificate named at start that is missing or not trusted. The message is one line; <see cref="Hint"/> says
/// what to do.
/// </summary>
public sealed class ModularTraceStartException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModularTraceStartException(string message, string? hint)
        : base(message) => Hint = hint;

    /// <summary>Creates the exception.</summary>
    public ModularTraceStartException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public ModularTraceStartException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ModularTraceStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The next step, or null.</summary>
    public string? Hint { get; }
}
