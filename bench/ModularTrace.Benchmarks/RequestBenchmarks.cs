using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using ModularTrace.Events;
using ModularTrace.Hooks;

namespace ModularTrace.Benchmarks;

/// <summary>
/// What one HTTP request pays for hooks (issue #18's measure): the sample service's endpoint shape (start/stop
/// middleware, a cache lookup) on Kestrel at 127.0.0.1, driven by HttpClient in the same process. Three servers,
/// identical but for the hooks: none; the sample service's four hooks with nothing attached; and those hooks with
/// probes that write the sample module's service:* events (same layouts and assign steps as
/// samples/ModularTrace.Module.SampleService, attached directly instead of through a signed module load).
/// </summary>
[MemoryDiagnoser]
public class RequestBenchmarks
{
    private static readonly HookRegistry s_registry = new();
    private static readonly Hook<long, string, string> s_start = s_registry.Register(new Hook<long, string, string>("http_request_start", "request_id", "method", "route"));
    private static readonly Hook<long, string, string, int, long> s_stop = s_registry.Register(new Hook<long, string, string, int, long>("http_request_stop", "request_id", "method", "route", "status", "duration_ns"));
    private static readonly Hook<string, bool> s_cache = s_registry.Register(new Hook<string, bool>("cache_lookup", "key", "hit"));

    private readonly Dictionary<int, string> _items = new() { [1] = "item 1" };
    private WebApplication? _app;
    private HttpClient? _http;
    private TraceSession? _session;
    private long _requests;

    [GlobalSetup(Target = nameof(NoHooks))]
    public void SetupNoHooks() => Start(hooks: false);

    [GlobalSetup(Target = nameof(HooksNothingAttached))]
    public void SetupHooks() => Start(hooks: true);

    [GlobalSetup(Target = nameof(HooksEventsEnabled))]
    public void SetupEvents()
    {
        Start(hooks: true);
        _session = new TraceSession(new ModularTrace.Events.TraceOptions { BufferSize = 1 << 20, Overwrite = true });
        AttachServiceEvents(_session);
        _session.SetEnabled("service:*", true);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _http?.Dispose();
        _app?.StopAsync().GetAwaiter().GetResult();
        _app?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true)]
    public Task<string> NoHooks() => _http!.GetStringAsync(new Uri("items/1", UriKind.Relative));

    [Benchmark]
    public Task<string> HooksNothingAttached() => _http!.GetStringAsync(new Uri("items/1", UriKind.Relative));

    [Benchmark]
    public Task<string> HooksEventsEnabled() => _http!.GetStringAsync(new Uri("items/1", UriKind.Relative));

    private void Start(bool hooks)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            var id = Interlocked.Increment(ref _requests);
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(unmatched)";
            var method = context.Request.Method;
            var started = Stopwatch.GetTimestamp();
            if (hooks)
            {
                s_start.Fire(id, method, route);
            }

            try
            {
                await next(context).ConfigureAwait(false);
            }
            finally
            {
                if (hooks)
                {
                    s_stop.Fire(id, method, route, context.Response.StatusCode, (long)Stopwatch.GetElapsedTime(started).TotalNanoseconds);
                }
            }
        });
        app.MapGet("/items/{id:int}", (int id) =>
        {
            // The key is made with or without hooks, as the sample service's ItemCache makes it: only Fire differs.
            var key = "item:" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var found = _items.TryGetValue(id, out var item);
            if (hooks)
            {
                s_cache.Fire(key, found);
            }

            return found ? Results.Ok(item) : Results.NotFound();
        });
        app.StartAsync().GetAwaiter().GetResult();
        _app = app;
        _http = new HttpClient { BaseAddress = new Uri(app.Urls.First() + "/") };
    }

    // The sample module's three request-path events, as ServiceModule.Init defines and writes them.
    private static void AttachServiceEvents(TraceSession session)
    {
        var s = new EventLayoutBuilder();
        var sid = s.S64("request_id");
        var smethod = s.Chars("method", 8);
        var sroute = s.DynamicString("route");
        var start = session.Define("service", "request_start", new EventClass("request_start", s.Build(), "id={request_id} {method} {route}"));
        s_start.Attach((id, method, route) =>
        {
            var w = start.Reserve(TraceEvent.SizeOf(route));
            if (!w.IsReserved)
            {
                return;
            }

            w.Set(sid, id);
            w.Set(smethod, method);
            w.Set(sroute, route);
            w.Commit();
        });

        var p = new EventLayoutBuilder();
        var pid = p.S64("request_id");
        var pstatus = p.S32("status");
        var pmethod = p.Chars("method", 8);
        var pduration = p.S64("duration_ns");
        var proute = p.DynamicString("route");
        var stop = session.Define("service", "request_stop", new EventClass("request_stop", p.Build(), "id={request_id} {method} {route} status={status} duration_ns={duration_ns}"));
        s_stop.Attach((id, method, route, status, duration) =>
        {
            var w = stop.Reserve(TraceEvent.SizeOf(route));
            if (!w.IsReserved)
            {
                return;
            }

            w.Set(pid, id);
            w.Set(pstatus, status);
            w.Set(pmethod, method);
            w.Set(pduration, duration);
            w.Set(proute, route);
            w.Commit();
        });

        var c = new EventLayoutBuilder();
        var chit = c.Bool("hit");
        var ckey = c.DynamicString("key");
        var cache = session.Define("service", "cache_lookup", new EventClass("cache_lookup", c.Build(), "key={key} hit={hit}"));
        s_cache.Attach((key, hit) =>
        {
            var w = cache.Reserve(TraceEvent.SizeOf(key));
            if (!w.IsReserved)
            {
                return;
            }

            w.Set(chit, hit);
            w.Set(ckey, key);
            w.Commit();
        });
    }
}
