using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;

[assembly: TraceModule("aspnet", Version = "1.0.0", License = "MIT", Author = "ModularTrace developers",
    Description = "ASP.NET Core and HttpClient instrumentation as events: request (the http.server.request.duration metric), request_in, http_client",
    Entry = typeof(ModularTrace.Module.SampleRuntime.RuntimeModule))]

namespace ModularTrace.Module.SampleRuntime;

/// <summary>
/// Turns the sample service's runtime hooks into <c>aspnet:*</c> events: each server request from ASP.NET Core's
/// <c>http.server.request.duration</c> measurement (route template, status, duration), each request's hosting Stop
/// event (path), and each outgoing HttpClient request's Stop event.
/// </summary>
public sealed class RuntimeModule : ITraceModule
{
    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var r = new EventLayoutBuilder();
        var rstatus = r.S32("status");
        var rmethod = r.Chars("method", 8);
        var rduration = r.S64("duration_ns");
        var rroute = r.DynamicString("route");
        var request = context.DefineEvent("aspnet", "request", new EventClass("request", r.Build(), "{method} {route} status={status} duration_ns={duration_ns}"));
        const string Unmatched = "(unmatched)";
        context.Record(context.Hook<Hook<long, string, string, int>>("meter_http_server_request_duration"), request, (_, _, route, _) => TraceEvent.SizeOf(route ?? Unmatched), (ref w, duration, method, route, status) =>
        {
            w.Set(rstatus, status);
            w.Set(rmethod, method ?? "");
            w.Set(rduration, duration);
            w.Set(rroute, route ?? Unmatched);
        });

        var i = new EventLayoutBuilder();
        var istatus = i.S32("status");
        var imethod = i.Chars("method", 8);
        var iduration = i.S64("duration_ns");
        var ipath = i.DynamicString("path");
        var requestIn = context.DefineEvent("aspnet", "request_in", new EventClass("request_in", i.Build(), "{method} {path} status={status} duration_ns={duration_ns}"));
        context.Record(context.Hook<Hook<string, string, int, long>>("dl_Microsoft_AspNetCore_Hosting_HttpRequestIn_Stop"), requestIn, (_, path, _, _) => TraceEvent.SizeOf(path ?? ""), (ref w, method, path, status, duration) =>
        {
            w.Set(istatus, status);
            w.Set(imethod, method ?? "");
            w.Set(iduration, duration);
            w.Set(ipath, path ?? "");
        });

        var c = new EventLayoutBuilder();
        var cstatus = c.S32("status");
        var ctask = c.S32("task_status");
        var cmethod = c.Chars("method", 8);
        var cduration = c.S64("duration_ns");
        var chost = c.DynamicString("host");
        var cpath = c.DynamicString("path");
        var client = context.DefineEvent("aspnet", "http_client", new EventClass("http_client", c.Build(), "{method} {host}{path} status={status} task_status={task_status} duration_ns={duration_ns}"));
        context.Record(context.Hook<Hook<string, string, string, int, int, long>>("dl_System_Net_Http_HttpRequestOut_Stop"), client, (_, host, path, _, _, _) => TraceEvent.SizeOf(host ?? "") + TraceEvent.SizeOf(path ?? ""), (ref w, method, host, path, status, task, duration) =>
        {
            w.Set(cstatus, status);
            w.Set(ctask, task);
            w.Set(cmethod, method ?? "");
            w.Set(cduration, duration);
            w.Set(chost, host ?? "");
            w.Set(cpath, path ?? "");
        });
    }
}
