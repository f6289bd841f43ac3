using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ModularTrace.Hosting;

/// <summary>
/// The Generic Host's side of ModularTrace: starts a <see cref="ModularTraceHost"/> when the host starts and disposes
/// it when the host stops (Ctrl-C, SIGTERM, <see cref="IHostApplicationLifetime.StopApplication"/>): the control
/// socket is removed and every module unloaded with its grace period.
/// </summary>
public sealed partial class ModularTraceService : IHostedService, IAsyncDisposable
{
    private readonly HostHooks _hooks;
    private readonly IOptions<ModularTraceOptions> _options;
    private readonly IHostEnvironment? _environment;
    private readonly ILogger<ModularTraceService> _logger;

    /// <summary>Created by the container (<see cref="ModularTraceServiceCollectionExtensions"/>).</summary>
    public ModularTraceService(HostHooks hooks, IOptions<ModularTraceOptions> options, ILogger<ModularTraceService> logger, IHostEnvironment? environment = null)
    {
        _hooks = hooks;
        _options = options;
        _logger = logger;
        _environment = environment;
    }

    /// <summary>The running ModularTrace, once the host has started.</summary>
    public ModularTraceHost? Host { get; private set; }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            Host = ModularTraceHost.Start(_hooks, _options.Value, _environment?.ContentRootPath ?? AppContext.BaseDirectory, line => LogLine(_logger, line));
        }
        catch (ModularTraceStartException ex)
        {
            LogRefused(_logger, ex.Message, ex.Hint ?? "");
            throw;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Host is { } host)
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Host is { } host)
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Line}")]
    private static partial void LogLine(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Message} (hint: {Hint})")]
    private static partial void LogRefused(ILogger logger, string message, string hint);
}
