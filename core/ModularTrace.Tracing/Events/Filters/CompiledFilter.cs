using System.Text;

namespace ModularTrace.Events.Filters;

/// <summary>A parsed filter: a tree of <see cref="FilterNode"/> evaluated in place on the record.</summary>
internal sealed class CompiledFilter : EventFilter
{
    private readonly FilterNode _root;
    private readonly int _minimumLength;

    public CompiledFilter(FilterNode root, EventLayout layout)
    {
        _root = root;
        _minimumLength = layout.FixedSize;
        var text = new StringBuilder();
        root.Print(text);
        Text = text.ToString();
    }

    /// <inheritdoc />
    public override string Text { get; }

    /// <summary>The tree, for tests that evaluate it without <see cref="Matches"/>'s guards (the kernel's not-visited check).</summary>
    internal FilterNode Root => _root;

    /// <inheritdoc />
    public override bool Matches(ReadOnlySpan<byte> record)
    {
        // A record shorter than the layout is not this event's: refuse it rather than read past its end.
        if (record.Length < _minimumLength)
        {
            return false;
        }

        try
        {
            return _root.Evaluate(record);
        }
        catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException)
        {
            // Only a corrupt record gets here (a field read past the span); the filter never throws into the writer.
            return false;
        }
    }

    /// <inheritdoc />
    public override string ToString() => Text;
}
