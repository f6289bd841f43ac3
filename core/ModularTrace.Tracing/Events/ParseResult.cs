using System.Diagnostics.CodeAnalysis;

namespace ModularTrace.Events;

/// <summary>The outcome of parsing a command: the parsed value, or the error with its position.</summary>
/// <typeparam name="T">What a successful parse yields (a filter, a trigger).</typeparam>
public sealed class ParseResult<T>
    where T : class
{
    internal ParseResult(T value)
    {
        Value = value;
    }

    internal ParseResult(CommandError error)
    {
        Error = error;
    }

    /// <summary>The parsed value; null when <see cref="Error"/> is set.</summary>
    public T? Value { get; }

    /// <summary>Why the command was refused; null on success.</summary>
    public CommandError? Error { get; }

    /// <summary>Whether the command parsed.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;
}
