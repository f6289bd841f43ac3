using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Runtime;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ModularTrace.Benchmarks;

/// <summary>
/// What one HTTP request pays for .NET's own instrumentation (issue 22): <c>GET /items/{id:int}</c> on Kestrel at
/// 127.0.0.1, driven by HttpClient in the same process, the application's code identical in every row. Three
/// observers of ASP.NET Core's hosting instrumentation: the ModularTrace bridge (<c>AspNetCore</c> and
/// <c>AspNetCore.Metrics</c> sources) with nothing attached; the bridge with probes writing the aspnet module's
/// <c>request_in</c> (hosting Stop event) and <c>request</c> (<c>http.server.request.duration</c>) records into a ring;
/// and OpenTelemetry 1.20's ASP.NET Core instrumentation, tracing (every request sampled, a processor reading the
/// method, route, status and duration the record holds) and metrics (the same histogram, aggregated per request, never
/// exported during the run).
/// </summary>
[MemoryDiagnoser]
public class RuntimeRequestBenchmarks
{
    private WebApplication? _app;
    private HttpClient? _http;
    private RuntimeHooks? _bridge;
    private TracerProvider? _tracer;
    private MeterProvider? _meter;
    private TraceSession? _session;
    private LastRequestProcessor? _processor;

    [GlobalSetup(Target = nameof(BridgeNothingAttached))]
    public void SetupNothingAttached()
    {
        _bridge = Bridge(new HookRegistry());
        Start();
    }

    [GlobalSetup(Target = nameof(BridgeRecording))]
    public void SetupRecording()
    {
        var registry = new HookRegistry();
        _bridge = Bridge(registry);
        var session = new TraceSession(new ModularTrace.Events.TraceOptions { BufferSize = 1 << 20, Overwrite = true });
        AttachAspNetEvents(registry, session);
        session.SetEnabled("aspnet:*", true);
        _session = session;
        Start();
    }

    [GlobalSetup(Target = nameof(OpenTelemetryInstrumentation))]
    public void SetupOpenTelemetry()
    {
        _processor = new LastRequestProcessor();
        _tracer = Sdk.CreateTracerProviderBuilder().AddAspNetCoreInstrumentation().AddProcessor(_processor).Build();
        _meter = Sdk.CreateMeterProviderBuilder().AddAspNetCoreInstrumentation().AddReader(new BaseExportingMetricReader(new DiscardingExporter())).Build();
        Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // Proof the row did its work (the bench's log, not the table): records left in the ring, spans ended.
        if (_session is not null)
        {
            var records = new ModularTrace.Output.TraceReader(_session).Read(consume: false);
            Console.WriteLine($"// check: ring holds {records.Count(r => r.Event?.Name == "request_in")} aspnet:request_in and {records.Count(r => r.Event?.Name == "request")} aspnet:request records");
        }

        if (_processor is not null)
        {
            Console.WriteLine($"// check: OpenTelemetry ended {_processor.Ended} spans, last {_processor.Last}");
        }

        _http?.Dispose();
        _app?.StopAsync().GetAwaiter().GetResult();
        _app?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _bridge?.Dispose();
        _tracer?.Dispose();
        _meter?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task<string> BridgeNothingAttached() => _http!.GetStringAsync(new Uri("items/1", UriKind.Relative));

    [Benchmark]
    public Task<string> BridgeRecording() => _http!.GetStringAsync(new Uri("items/1", UriKind.Relative));

    [Benchmark]
    public Task<string> OpenTelemetryInstrumentation() => _http!.GetStringAsync(new Uri("items/1", UriKind.Relative));

    private static RuntimeHooks Bridge(HookRegistry registry) =>
        RuntimeHooks.Register(registry, RuntimeSources.Resolve([RuntimeSources.AspNetCore, RuntimeSources.AspNetCoreMetrics]));

    private void Start()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/items/{id:int}", (int id) => id == 1 ? Results.Ok("item 1") : Results.NotFound());
        app.StartAsync().GetAwaiter().GetResult();
        _app = app;
        _http = new HttpClient { BaseAddress = new Uri(app.Urls.First() + "/") };
    }

    // samples/ModularTrace.Module.SampleRuntime's request and request_in events, attached directly (no signed load).
    private static void AttachAspNetEvents(HookRegistry registry, TraceSession session)
    {
        var r = new EventLayoutBuilder();
        var rstatus = r.S32("status");
        var rmethod = r.Chars("method", 8);
        var rduration = r.S64("duration_ns");
        var rroute = r.DynamicString("route");
        var request = session.Define("aspnet", "request", new EventClass("request", r.Build(), "{method} {route} status={status} duration_ns={duration_ns}"));
        Typed<Hook<long, string, string, int>>(registry, "meter_http_server_request_duration").Attach((duration, method, route, status) =>
        {
            var w = request.Reserve(TraceEvent.SizeOf(route ?? ""));
            if (!w.IsReserved)
            {
                return;
            }

            w.Set(rstatus, status);
            w.Set(rmethod, method ?? "");
            w.Set(rduration, duration);
            w.Set(rroute, route ?? "");
            w.Commit();
        });

        var i = new EventLayoutBuilder();
        var istatus = i.S32("status");
        var imethod = i.Chars("method", 8);
        var iduration = i.S64("duration_ns");
        var ipath = i.DynamicString("path");
        var requestIn = session.Define("aspnet", "request_in", new EventClass("request_in", i.Build(), "{method} {path} status={status} duration_ns={duration_ns}"));
        Typed<Hook<string, string, int, long>>(registry, "dl_Microsoft_AspNetCore_Hosting_HttpRequestIn_Stop").Attach((method, path, status, duration) =>
        {
            var w = requestIn.Reserve(TraceEvent.SizeOf(path ?? ""));
            if (!w.IsReserved)
            {
                return;
            }

            w.Set(istatus, status);
            w.Set(imethod, method ?? "");
            w.Set(iduration, duration);
            w.Set(ipath, path ?? "");
            w.Commit();
        });
    }

    private static T Typed<T>(HookRegistry registry, string name)
        where T : Hook =>
        registry.TryGet(name, out var hook) && hook is T typed ? typed : throw new InvalidOperationException($"runtime hook {name} is not registered as {typeof(T).Name}");

    // What a span exporter reads from each request, kept instead of exported: the work beside the bridge's record.
    private sealed class LastRequestProcessor : BaseProcessor<Activity>
    {
        public long Ended { get; private set; }

        public (object? Method, object? Route, object? Status, TimeSpan Duration) Last { get; private set; }

        public override void OnEnd(Activity data)
        {
            Last = (data.GetTagItem("http.request.method"), data.GetTagItem("http.route"), data.GetTagItem("http.response.status_code"), data.Duration);
            Ended++;
        }
    }

    private sealed class DiscardingExporter : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch) => ExportResult.Success;
    }
}
