namespace ModularTrace.Events;

/// <summary>A record layout and print format shared by one or more events (<c>DECLARE_EVENT_CLASS</c>).</summary>
public sealed class EventClass
{
    /// <summary>Creates a class; the print template is checked against the layout.</summary>
    /// <exception cref="FormatException">The print template refers to an unknown field or is malformed.</exception>
    public EventClass(string name, EventLayout layout, string printTemplate)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(layout);
        Name = name;
        Layout = layout;
        Print = PrintFormat.Parse(printTemplate, layout);
    }

    /// <summary>The class name.</summary>
    public string Name { get; }

    /// <summary>The record layout.</summary>
    public EventLayout Layout { get; }

    /// <summary>The print format.</summary>
    public PrintFormat Print { get; }
}
