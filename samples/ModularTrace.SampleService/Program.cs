using System.Diagnostics;
using ModularTrace.Hosting;
using ModularTrace.SampleService;

var builder = WebApplication.CreateBuilder(args);
var traceSection = builder.Configuration.GetSection(ModularTraceOptions.SectionName);
if (args is ["--write-symvers", var symversDirectory])
{
    // The build step (see the .csproj): this service's Module.symvers, with the runtime hooks its configuration
    // bridges, typed from the payloads of the runtime it runs on (which 'mtrace hooks --assembly' cannot load).
    var declared = HostHooks.Declare(typeof(ServiceHooks));
    var options = traceSection.Get<ModularTraceOptions>() ?? new ModularTraceOptions();
    using var runtime = ModularTraceHost.RegisterRuntime(declared, options, Console.Error.WriteLine);
    Console.WriteLine($"{declared.WriteSymvers(symversDirectory)}: {declared.Registry.Count} hooks, vermagic '{declared.Vermagic}'");
    return;
}

builder.Services.AddModularTrace<ServiceHooks>(traceSection);
builder.Services.AddHttpClient();
builder.Services.AddSingleton<ItemCache>();
builder.Services.AddHostedService<CacheEvictionJob>();

var app = builder.Build();
var hooks = app.Services.GetRequiredService<ServiceHooks>();
long requests = 0;

// Request start and stop with the route template and status: the hooks an operator wants on every request.
app.Use(async (context, next) =>
{
    var id = Interlocked.Increment(ref requests);
    var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(unmatched)";
    var method = context.Request.Method;
    var started = Stopwatch.GetTimestamp();
    hooks.RequestStart.Fire(id, method, route);
    try
    {
        await next(context);
    }
    finally
    {
        hooks.RequestStop.Fire(id, method, route, context.Response.StatusCode, (long)Stopwatch.GetElapsedTime(started).TotalNanoseconds);
    }
});

app.MapGet("/items/{id:int}", (int id, ItemCache cache) => cache.Get(id) is { } item ? Results.Ok(item) : Results.NotFound());
app.MapPut("/items/{id:int}", async (int id, HttpRequest request, ItemCache cache) =>
{
    using var reader = new StreamReader(request.Body);
    cache.Put(id, await reader.ReadToEndAsync());
    return Results.NoContent();
});
app.MapGet("/health", (ItemCache cache) => Results.Ok(new { items = cache.Count }));
// An outgoing HttpClient call per request (to this service's own /items/{id}): what the HttpClient runtime hooks see.
app.MapGet("/upstream/{id:int}", async (int id, HttpContext context, IHttpClientFactory clients) =>
{
    using var client = clients.CreateClient();
    using var response = await client.GetAsync(new Uri($"{context.Request.Scheme}://{context.Request.Host}/items/{id}"), context.RequestAborted);
    return Results.Text($"upstream {(int)response.StatusCode}", statusCode: (int)response.StatusCode == 200 ? 200 : 502);
});

app.Run();
