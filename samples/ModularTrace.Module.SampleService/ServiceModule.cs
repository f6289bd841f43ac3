using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;

[assembly: TraceModule("service", Version = "1.0.0", License = "MIT", Author = "ModularTrace developers",
    Description = "The sample service's events: request_start, request_stop, cache_lookup, job_run",
    Entry = typeof(ModularTrace.Module.SampleService.ServiceModule))]

namespace ModularTrace.Module.SampleService;

/// <summary>Turns the sample service's raw hooks into <c>service:*</c> events.</summary>
public sealed class ServiceModule : ITraceModule
{
    /// <inheritdoc />
    public void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var s = new EventLayoutBuilder();
        var sid = s.S64("request_id");
        var smethod = s.Chars("method", 8);
        var sroute = s.DynamicString("route");
        var start = context.DefineEvent("service", "request_start", new EventClass("request_start", s.Build(), "id={request_id} {method} {route}"));
        context.Record(context.Hook<Hook<long, string, string>>("http_request_start"), start, (_, _, route) => TraceEvent.SizeOf(route), (ref w, id, method, route) =>
        {
            w.Set(sid, id);
            w.Set(smethod, method);
            w.Set(sroute, route);
        });

        var p = new EventLayoutBuilder();
        var pid = p.S64("request_id");
        var pstatus = p.S32("status");
        var pmethod = p.Chars("method", 8);
        var pduration = p.S64("duration_ns");
        var proute = p.DynamicString("route");
        var stop = context.DefineEvent("service", "request_stop", new EventClass("request_stop", p.Build(), "id={request_id} {method} {route} status={status} duration_ns={duration_ns}"));
        context.Record(context.Hook<Hook<long, string, string, int, long>>("http_request_stop"), stop, (_, _, route, _, _) => TraceEvent.SizeOf(route), (ref w, id, method, route, status, duration) =>
        {
            w.Set(pid, id);
            w.Set(pstatus, status);
            w.Set(pmethod, method);
            w.Set(pduration, duration);
            w.Set(proute, route);
        });

        var c = new EventLayoutBuilder();
        var chit = c.Bool("hit");
        var ckey = c.DynamicString("key");
        var cache = context.DefineEvent("service", "cache_lookup", new EventClass("cache_lookup", c.Build(), "key={key} hit={hit}"));
        context.Record(context.Hook<Hook<string, bool>>("cache_lookup"), cache, (key, _) => TraceEvent.SizeOf(key), (ref w, key, hit) =>
        {
            w.Set(chit, hit);
            w.Set(ckey, key);
        });

        var j = new EventLayoutBuilder();
        var jitems = j.S32("items");
        var jduration = j.S64("duration_ns");
        var jname = j.DynamicString("job");
        var job = context.DefineEvent("service", "job_run", new EventClass("job_run", j.Build(), "job={job} items={items} duration_ns={duration_ns}"));
        context.Record(context.Hook<Hook<string, int, long>>("job_run"), job, (name, _, _) => TraceEvent.SizeOf(name), (ref w, name, items, duration) =>
        {
            w.Set(jitems, items);
            w.Set(jduration, duration);
            w.Set(jname, name);
        });
    }
}
