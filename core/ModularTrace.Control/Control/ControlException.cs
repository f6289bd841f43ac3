namespace ModularTrace.Control;

/// <summary>A control connection failed: no host, a stale socket, another user's socket, a protocol mismatch, a broken reply.</summary>
public sealed class ControlException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ControlException(string code, string message, string? hint = null, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        Hint = hint;
    }

    /// <summary>Creates the exception with no code.</summary>
    public ControlException()
        : this(ControlErrors.Internal, "control connection failed")
    {
    }

    /// <summary>Creates the exception with no code.</summary>
    public ControlException(string message)
        : this(ControlErrors.Internal, message)
    {
    }

    /// <summary>Creates the exception with no code.</summary>
    public ControlException(string message, Exception inner)
        : this(ControlErrors.Internal, message, null, inner)
    {
    }

    /// <summary>An errno name: <c>ENOENT</c>, <c>ECONNREFUSED</c>, <c>EACCES</c>, <c>EPROTO</c>, ...</summary>
    public string Code { get; }

    /// <summary>What to do next, or null.</summary>
    public string? Hint { get; }
}
