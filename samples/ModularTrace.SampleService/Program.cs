using System.Diagnostics;
using ModularTrace.Hosting;
using ModularTrace.SampleService;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddModularTrace<ServiceHooks>(builder.Configuration.GetSection(ModularTraceOptions.SectionName));
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

app.Run();
