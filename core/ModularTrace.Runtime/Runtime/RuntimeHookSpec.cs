namespace ModularTrace.Runtime;

/// <summary>One piece of .NET's own instrumentation to present as raw hooks (see <see cref="RuntimeHooks"/>).</summary>
public abstract record RuntimeHookSpec
{
    private protected RuntimeHookSpec()
    {
    }

    /// <summary>The source's name: the DiagnosticListener, ActivitySource or Meter name.</summary>
    public abstract string Source { get; init; }
}

/// <summary>
/// A DiagnosticListener event whose payload properties become hook arguments: hook <c>dl_&lt;event&gt;</c> with one
/// argument per property path (<c>Request.Method.Method</c> becomes <c>string Request_Method_Method</c>), typed as
/// the property is on this host (an enum as its underlying integer).
/// </summary>
/// <param name="Source">The DiagnosticListener's name, e.g. <c>HttpHandlerDiagnosticListener</c>.</param>
/// <param name="Event">The event name, e.g. <c>System.Net.Http.HttpRequestOut.Stop</c>.</param>
/// <param name="PayloadType">The payload's type as <see cref="Type.GetType(string)"/> finds it on this host
/// (assembly-qualified); where it is missing, the hook is not registered (modules naming it: <c>unknown symbol</c>).</param>
/// <param name="Properties">Property paths on the payload, dot-separated.</param>
public sealed record DiagnosticEventSpec(string Source, string Event, string PayloadType, IReadOnlyList<string> Properties) : RuntimeHookSpec
{
    /// <summary>Adds <c>long activity_duration_ns</c>, <c>Activity.Current</c>'s duration when the event is written
    /// (a <c>.Stop</c> event is written after the end time is set).</summary>
    public bool ActivityDuration { get; init; }
}

/// <summary>
/// An ActivitySource's activities: hooks <c>activity_&lt;source&gt;_start(string operation_name, string display_name,
/// int kind)</c> and <c>activity_&lt;source&gt;_stop(string operation_name, string display_name, int status, long
/// duration_ns)</c>, fed by an ActivityListener.
/// </summary>
/// <param name="Source">The ActivitySource's name, e.g. <c>Microsoft.AspNetCore</c>.</param>
public sealed record ActivitySpec(string Source) : RuntimeHookSpec;

/// <summary>
/// A Meter instrument's measurements with chosen tags: hook <c>meter_&lt;instrument&gt;(long value, tags...)</c>.
/// A <c>double</c> instrument's value is multiplied by <see cref="Scale"/> and truncated (seconds times 1e9 for
/// nanoseconds), as hook arguments are integers and strings.
/// </summary>
/// <param name="Source">The Meter's name, e.g. <c>Microsoft.AspNetCore.Hosting</c>.</param>
/// <param name="Instrument">The instrument's name, e.g. <c>http.server.request.duration</c>.</param>
/// <param name="MeasurementType">The instrument's measurement type on this host: <c>int</c>, <c>long</c> or
/// <c>double</c>; an instrument of another type at run time faults the hook's probes.</param>
/// <param name="ValueName">The value argument's name, e.g. <c>duration_ns</c>.</param>
/// <param name="Tags">Up to four tags: name as the instrument reports it (<c>http.route</c>) and type
/// (<c>string</c> or <c>int</c>); a missing tag is null or 0, a tag of another type faults the hook's probes.</param>
public sealed record MeterInstrumentSpec(string Source, string Instrument, Type MeasurementType, string ValueName, IReadOnlyList<MeterTag> Tags) : RuntimeHookSpec
{
    /// <summary>The factor a <c>double</c> measurement is multiplied by before truncation to <c>long</c>.</summary>
    public double Scale { get; init; } = 1;
}

/// <summary>A tag of a <see cref="MeterInstrumentSpec"/>: the hook argument is the name with '.' as '_'.</summary>
/// <param name="Name">The tag key, e.g. <c>http.response.status_code</c>.</param>
/// <param name="Type"><c>string</c> or <c>int</c>.</param>
public sealed record MeterTag(string Name, Type Type);
