using System.Numerics;

namespace ModularTrace.Events.Dynamic;

/// <summary>Writes one hook argument of type <typeparamref name="T"/> into its field: a typed virtual call, no boxing.</summary>
internal abstract class ArgumentWriter<T>(EventField field)
{
    public EventField Field { get; } = field;

    /// <summary>Bytes the value needs after the record's fixed part (<c>__data_loc</c> strings only).</summary>
    public virtual int DynamicSize(T value) => 0;

    public abstract void Write(ref EventWriter writer, T value);
}

/// <summary>Makes the writer for a hook argument type (when an event is added, never while tracing).</summary>
internal static class ArgumentWriters
{
    public static object Create(Type argumentType, EventField field)
    {
        if (argumentType == typeof(string))
        {
            return new StringWriter(field);
        }

        if (argumentType == typeof(char))
        {
            return new CharWriter(field);
        }

        if (argumentType == typeof(bool))
        {
            return new BoolWriter(field);
        }

        return Activator.CreateInstance(typeof(IntegerWriter<>).MakeGenericType(argumentType), field)!;
    }
}

/// <summary>
/// Any integer into any integer field: the value is taken as 64 bits (sign-extended when <typeparamref name="T"/> is
/// signed) and the field keeps its low bytes, as a kernel fetch arg truncates.
/// </summary>
internal sealed class IntegerWriter<T>(EventField field) : ArgumentWriter<T>(field)
    where T : IBinaryInteger<T>
{
    public override void Write(ref EventWriter writer, T value) => writer.Set(Field, ulong.CreateTruncating(value));
}

internal sealed class StringWriter(EventField field) : ArgumentWriter<string>(field)
{
    public override int DynamicSize(string value) => TraceEvent.SizeOf(value);

    public override void Write(ref EventWriter writer, string value) => writer.Set(Field, value);
}

internal sealed class CharWriter(EventField field) : ArgumentWriter<char>(field)
{
    public override void Write(ref EventWriter writer, char value) => writer.Set(Field, value);
}

internal sealed class BoolWriter(EventField field) : ArgumentWriter<bool>(field)
{
    public override void Write(ref EventWriter writer, bool value) => writer.Set(Field, value);
}
