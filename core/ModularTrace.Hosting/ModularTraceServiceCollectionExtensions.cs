using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace ModularTrace.Hosting;

/// <summary>Hosting ModularTrace in a Generic Host or ASP.NET Core app: <c>builder.Services.AddModularTrace&lt;MyHooks&gt;(builder.Configuration.GetSection("ModularTrace"))</c>.</summary>
public static class ModularTraceServiceCollectionExtensions
{
    /// <summary>
    /// Adds ModularTrace with <typeparamref name="THooks"/> as the host's hooks (a singleton the app fires them through)
    /// and options bound from <paramref name="configuration"/> (the <c>ModularTrace</c> section, typically).
    /// </summary>
    public static IServiceCollection AddModularTrace<THooks>(this IServiceCollection services, IConfiguration configuration)
        where THooks : class
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ModularTraceOptions>().Bind(configuration);
        return services.AddModularTrace<THooks>();
    }

    /// <summary>Adds ModularTrace with <typeparamref name="THooks"/> as the host's hooks and options set in code.</summary>
    public static IServiceCollection AddModularTrace<THooks>(this IServiceCollection services, Action<ModularTraceOptions> configure)
        where THooks : class
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<ModularTraceOptions>().Configure(configure);
        return services.AddModularTrace<THooks>();
    }

    /// <summary>Adds ModularTrace with <typeparamref name="THooks"/> as the host's hooks and the default options.</summary>
    public static IServiceCollection AddModularTrace<THooks>(this IServiceCollection services)
        where THooks : class
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ModularTraceOptions>();
        services.TryAddSingleton(_ => HostHooks.Declare(typeof(THooks)));
        services.TryAddSingleton(provider => (THooks)provider.GetRequiredService<HostHooks>().Declaration);
        services.TryAddSingleton(provider => provider.GetRequiredService<HostHooks>().Registry);
        services.TryAddSingleton<ModularTraceService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ModularTraceService>(provider => provider.GetRequiredService<ModularTraceService>()));
        return services;
    }
}
