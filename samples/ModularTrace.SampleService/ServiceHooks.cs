using ModularTrace.Hooks;

[assembly: ModularTrace.Hosting.HostHooks(typeof(ModularTrace.SampleService.ServiceHooks))]

namespace ModularTrace.SampleService;

/// <summary>
/// The service's raw hooks, at the points an operator cares about. Nothing here is an event: the service's module
/// turns them into <c>service:*</c> events. Declared with a registry only, so the build can write the symvers.
/// </summary>
public sealed class ServiceHooks
{
    /// <summary>Declares the hooks.</summary>
    public ServiceHooks(HookRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        RequestStart = registry.Register(new Hook<long, string, string>("http_request_start", "request_id", "method", "route"));
        RequestStop = registry.Register(new Hook<long, string, string, int, long>("http_request_stop", "request_id", "method", "route", "status", "duration_ns"));
        CacheLookup = registry.Register(new Hook<string, bool>("cache_lookup", "key", "hit"));
        JobRun = registry.Register(new Hook<string, int, long>("job_run", "job", "items", "duration_ns"));
    }

    /// <summary>A request was routed: its id, method and route template (<c>/items/{id}</c>, not the path).</summary>
    public Hook<long, string, string> RequestStart { get; }

    /// <summary>A request finished: id, method, route template, status code, time taken.</summary>
    public Hook<long, string, string, int, long> RequestStop { get; }

    /// <summary>The item cache was asked for a key.</summary>
    public Hook<string, bool> CacheLookup { get; }

    /// <summary>A background job ran once: its name, items it handled, time taken.</summary>
    public Hook<string, int, long> JobRun { get; }
}
