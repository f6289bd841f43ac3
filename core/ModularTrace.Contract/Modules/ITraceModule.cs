using Microsoft.Extensions.DependencyInjection;

namespace ModularTrace.Modules;

/// <summary>
/// A module's entry point. The loader creates it only after the signature, vermagic and hook CRCs are checked,
/// through dependency injection (constructor parameters: host services and imported services), then calls
/// <see cref="ConfigureServices"/> and <see cref="Init"/>. On unload, the loader detaches the module's probes,
/// removes its events, waits for in-flight probes, and disposes the entry and its services.
/// </summary>
public interface ITraceModule
{
    /// <summary>Registers the services the module exports (see <see cref="ModuleExportAttribute"/>).</summary>
    void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>Defines events and attaches probes. Throwing refuses the load and undoes everything.</summary>
    void Init(ModuleContext context);
}
