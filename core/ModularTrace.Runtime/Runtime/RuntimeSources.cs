namespace ModularTrace.Runtime;

/// <summary>
/// The runtime instrumentation ModularTrace knows how to bridge, by the names configuration uses
/// (<c>ModularTrace:Runtime:Sources</c>). Payload types and property names are the ones .NET 10's HttpClient and
/// ASP.NET Core write (System.Net.Http's <c>DiagnosticsHandler</c>, Microsoft.AspNetCore.Hosting's
/// <c>HostingApplicationDiagnostics</c> and <c>HostingMetrics</c>).
/// </summary>
public static class RuntimeSources
{
    /// <summary>HttpClient's DiagnosticListener events (outgoing requests): <c>HttpClient</c>.</summary>
    public const string HttpClient = "HttpClient";

    /// <summary>ASP.NET Core hosting's DiagnosticListener events (incoming requests), the deprecated <c>BeginRequest</c> included: <c>AspNetCore</c>.</summary>
    public const string AspNetCore = "AspNetCore";

    /// <summary>ASP.NET Core hosting's <c>http.server.request.duration</c> histogram: <c>AspNetCore.Metrics</c>.</summary>
    public const string AspNetCoreMetrics = "AspNetCore.Metrics";

    /// <summary>The prefix of an ActivitySource bridged by name: <c>Activity:NAME</c>.</summary>
    public const string ActivityPrefix = "Activity:";

    private const string HttpListener = "HttpHandlerDiagnosticListener";
    private const string HttpPayload = "System.Net.Http.DiagnosticsHandler+";
    private const string AspNetCoreListener = "Microsoft.AspNetCore";
    private const string HttpContextType = "Microsoft.AspNetCore.Http.HttpContext, Microsoft.AspNetCore.Http.Abstractions";

    /// <summary>HttpClient's <c>System.Net.Http.HttpRequestOut.Start</c> and <c>.Stop</c>.</summary>
    public static IReadOnlyList<RuntimeHookSpec> HttpClientEvents { get; } =
    [
        new DiagnosticEventSpec(HttpListener, "System.Net.Http.HttpRequestOut.Start", HttpPayload + "ActivityStartData, System.Net.Http",
            ["Request.Method.Method", "Request.RequestUri.Host", "Request.RequestUri.AbsolutePath"]),
        new DiagnosticEventSpec(HttpListener, "System.Net.Http.HttpRequestOut.Stop", HttpPayload + "ActivityStopData, System.Net.Http",
            ["Request.Method.Method", "Request.RequestUri.Host", "Request.RequestUri.AbsolutePath", "Response.StatusCode", "RequestTaskStatus"])
        {
            ActivityDuration = true,
        },
    ];

    /// <summary>ASP.NET Core's <c>Microsoft.AspNetCore.Hosting.HttpRequestIn.Start</c>/<c>.Stop</c> (payload: the
    /// <c>HttpContext</c>) and the deprecated <c>Microsoft.AspNetCore.Hosting.BeginRequest</c> (payload
    /// <c>{ httpContext, timestamp }</c>, still written for old subscribers).</summary>
    public static IReadOnlyList<RuntimeHookSpec> AspNetCoreEvents { get; } =
    [
        new DiagnosticEventSpec(AspNetCoreListener, "Microsoft.AspNetCore.Hosting.HttpRequestIn.Start", HttpContextType, ["Request.Method", "Request.Path.Value"]),
        new DiagnosticEventSpec(AspNetCoreListener, "Microsoft.AspNetCore.Hosting.HttpRequestIn.Stop", HttpContextType, ["Request.Method", "Request.Path.Value", "Response.StatusCode"])
        {
            ActivityDuration = true,
        },
        new DiagnosticEventSpec(AspNetCoreListener, "Microsoft.AspNetCore.Hosting.BeginRequest",
            "Microsoft.AspNetCore.Hosting.HostingApplicationDiagnostics+DeprecatedRequestData, Microsoft.AspNetCore.Hosting",
            ["httpContext.Request.Method", "httpContext.Request.Path.Value", "timestamp"]),
    ];

    /// <summary>ASP.NET Core's <c>http.server.request.duration</c> (seconds, as nanoseconds) with method, route and status.</summary>
    public static IReadOnlyList<RuntimeHookSpec> AspNetCoreMetricsInstruments { get; } =
    [
        new MeterInstrumentSpec("Microsoft.AspNetCore.Hosting", "http.server.request.duration", typeof(double), "duration_ns",
            [new MeterTag("http.request.method", typeof(string)), new MeterTag("http.route", typeof(string)), new MeterTag("http.response.status_code", typeof(int))])
        {
            Scale = 1e9,
        },
    ];

    /// <summary>The specs for configured source names (see the constants), in order, duplicates once.</summary>
    /// <exception cref="ArgumentException">A name is none of them; the message lists what is known.</exception>
    public static IReadOnlyList<RuntimeHookSpec> Resolve(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var specs = new List<RuntimeHookSpec>();
        foreach (var name in names.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (string.Equals(name, HttpClient, StringComparison.OrdinalIgnoreCase))
            {
                specs.AddRange(HttpClientEvents);
            }
            else if (string.Equals(name, AspNetCore, StringComparison.OrdinalIgnoreCase))
            {
                specs.AddRange(AspNetCoreEvents);
            }
            else if (string.Equals(name, AspNetCoreMetrics, StringComparison.OrdinalIgnoreCase))
            {
                specs.AddRange(AspNetCoreMetricsInstruments);
            }
            else if (name.StartsWith(ActivityPrefix, StringComparison.OrdinalIgnoreCase) && name.Length > ActivityPrefix.Length)
            {
                specs.Add(new ActivitySpec(name[ActivityPrefix.Length..]));
            }
            else
            {
                throw new ArgumentException(
                    $"Runtime source '{name}' is not known; known: {HttpClient}, {AspNetCore}, {AspNetCoreMetrics}, {ActivityPrefix}NAME.", nameof(names));
            }
        }

        return specs;
    }
}
