using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ModularTrace.Control;
using ModularTrace.Events;
using ModularTrace.Modules;
using ModularTrace.Runtime;
using ModularTrace.Signing;

namespace ModularTrace.Hosting;

/// <summary>
/// ModularTrace running inside a program: its hooks, a trace session, the module loader with the configured keyrings
/// and policy, the modules loaded at start and the control socket. The plain API for console programs; the Generic
/// Host integration (<see cref="ModularTraceServiceCollectionExtensions.AddModularTrace{THooks}(Microsoft.Extensions.DependencyInjection.IServiceCollection, Microsoft.Extensions.Configuration.IConfiguration)"/>) runs one of these for the host's lifetime.
/// </summary>
/// <remarks>
/// A problem at start that is about trust (a module, pack or certificate named in the configuration that is missing or
/// refused) stops the start under <c>enforce</c> and <c>lockdown</c> and is logged as a warning under <c>permissive</c>,
/// which then starts without it; each message says which happened. Disposing stops the control socket (its file is
/// removed) and unloads every module, waiting for the grace period of each.
/// </remarks>
public sealed class ModularTraceHost : IAsyncDisposable
{
    private readonly Action<string> _log;
    private int _disposed;

    private ModularTraceHost(HostHooks hooks, TraceSession session, ModuleLoader loader, Action<string> log)
    {
        Hooks = hooks;
        Session = session;
        Loader = loader;
        _log = log;
    }

    /// <summary>The host's hooks and vermagic.</summary>
    public HostHooks Hooks { get; }

    /// <summary>Events, buffers, readers.</summary>
    public TraceSession Session { get; }

    /// <summary>Modules, keyrings, taints.</summary>
    public ModuleLoader Loader { get; }

    /// <summary>The runtime hooks the configuration bridged (<see cref="ModularTraceRuntimeOptions"/>), or null for none.</summary>
    public RuntimeHooks? Runtime { get; private set; }

    /// <summary>
    /// Registers the runtime hooks <paramref name="options"/> names into <paramref name="hooks"/>' registry (null when it
    /// names none) and logs each one this host's runtime does not have the shape of: what <see cref="Start"/> does, and
    /// what a host's build step calls before writing its <c>Module.symvers</c>, so the table carries the runtime hooks' CRCs.
    /// </summary>
    /// <exception cref="ArgumentException">A source name is not known.</exception>
    public static RuntimeHooks? RegisterRuntime(HostHooks hooks, ModularTraceOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(hooks);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Runtime.Sources is not { Length: > 0 } sources)
        {
            return null;
        }

        var runtime = RuntimeHooks.Register(hooks.Registry, RuntimeSources.Resolve(sources));
        foreach (var line in runtime.Unavailable)
        {
            log?.Invoke($"modulartrace: runtime hook not bridged: {line}");
        }

        return runtime;
    }

    /// <summary>The control endpoint, or null when the socket is disabled.</summary>
    public ControlServer? Control { get; private set; }

    /// <summary>
    /// Starts ModularTrace for <paramref name="hooks"/>: validates the options, builds the keyrings, loads the pack and the
    /// modules named, and serves the control socket.
    /// </summary>
    /// <param name="hooks">The host's hooks (<see cref="HostHooks.Declare"/>).</param>
    /// <param name="options">What to trust, load and serve.</param>
    /// <param name="baseDirectory">What relative paths in <paramref name="options"/> are relative to; default the current directory.</param>
    /// <param name="log">Receives the loader's log and start-up warnings, one line each; default none.</param>
    /// <exception cref="ModularTraceStartException">The configuration is not usable, or the policy refuses what it names.</exception>
    public static ModularTraceHost Start(HostHooks hooks, ModularTraceOptions options, string? baseDirectory = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(hooks);
        ArgumentNullException.ThrowIfNull(options);
        log ??= _ => { };
        var root = Path.GetFullPath(baseDirectory ?? Directory.GetCurrentDirectory());
        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new ModularTraceStartException($"modulartrace: refusing to start: {string.Join("; ", problems)}", "fix the ModularTrace section of the configuration (docs/embedding.md lists the settings)");
        }

        var policy = options.ParsedPolicy!.Value;
        var start = new StartProblems(policy, log);
        var keyrings = LoadKeyrings(options, root, start);
        var session = new TraceSession(options.ToTraceOptions());
        if (session.ClockNote is { } note)
        {
            log($"modulartrace: warning: {note}");
        }

        var loader = new ModuleLoader(hooks.Registry, session, keyrings, policy) { HostVermagic = hooks.Vermagic };
        loader.Logged += (_, line) => log(line);
        var host = new ModularTraceHost(hooks, session, loader, log) { Runtime = RegisterRuntime(hooks, options, log) };
        try
        {
            var modules = new List<string>();
            if (options.Pack is { Length: > 0 } pack)
            {
                modules.AddRange(PackModules(Path.Combine(root, pack), keyrings, hooks.Vermagic, start));
            }

            modules.AddRange(options.Modules.Select(m => Path.Combine(root, m)));
            foreach (var module in modules)
            {
                var result = loader.Load(module);
                if (!result.Loaded)
                {
                    start.Report(result.Error!, result.Hint);
                }
            }

            if (options.Socket.Enabled)
            {
                host.Control = StartControl(options, root, session, loader, log);
            }
        }
        catch
        {
            host.UnloadAll();
            host.Runtime?.Dispose();
            throw;
        }

        log($"modulartrace: started, vermagic '{hooks.Vermagic}', policy {policy.ToString().ToLowerInvariant()}, {loader.Modules.Length} modules loaded"
            + (host.Control is { } control ? $", control socket {control.SocketPath}" : ", no control socket"));
        return host;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Stop serving first, so no request loads a module during teardown; then unload.
        var socket = Control?.SocketPath;
        if (Control is { } control)
        {
            await control.DisposeAsync().ConfigureAwait(false);
        }

        var unloaded = UnloadAll();
        Runtime?.Dispose(); // every probe is detached by now, so nothing is subscribed; this only makes sure
        _log($"modulartrace: stopped; unloaded {unloaded} modules" + (socket is null ? "" : $", removed {socket}") + $"; host taints: {Loader.Taints}");
    }

    // Importers before the modules they import from, otherwise newest first (rmmod order); each waits its grace period.
    private int UnloadAll()
    {
        var count = 0;
        while (Loader.Modules.Length > 0)
        {
            var modules = Loader.Modules;
            var next = modules.Reverse().FirstOrDefault(m => !modules.Any(user => user.Uses.Contains(m.Name))) ?? modules[^1];
            if (Loader.Unload(next.Name) is { } error)
            {
                _log(error);
                break;
            }

            count++;
        }

        return count;
    }

    private static Keyrings LoadKeyrings(ModularTraceOptions options, string root, StartProblems start)
    {
        var certificates = new List<X509Certificate2>();
        foreach (var file in options.Certificates)
        {
            var path = Path.Combine(root, file);
            try
            {
                certificates.Add(CertificateFile.Load(path));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or InvalidDataException)
            {
                start.Report($"modulartrace: certificate {path} cannot be trusted: {ex.Message}", "generate the host's key ('mtrace keys generate --out DIR') or fix ModularTrace:Certificates");
            }
        }

        if (options.KeyringDirectory is not { Length: > 0 } directory)
        {
            return new Keyrings(certificates);
        }

        var keyringPath = Path.Combine(root, directory);
        if (!Directory.Exists(keyringPath))
        {
            start.Report($"modulartrace: keyring directory {keyringPath} does not exist", "create it (keys/README.md) or fix ModularTrace:KeyringDirectory");
            return new Keyrings(certificates);
        }

        try
        {
            return Keyrings.Load(keyringPath, certificates);
        }
        catch (InvalidDataException ex)
        {
            throw new ModularTraceStartException($"modulartrace: refusing to start: {ex.Message}", "fix or remove the file named; keyring contents are never guessed");
        }
    }

    // A pack as 'mtrace pack build' writes it: pack.index signed by a key the host trusts, the vermagic the host's,
    // every module file present with the hash the index records.
    private static List<string> PackModules(string directory, Keyrings keyrings, string vermagic, StartProblems start)
    {
        var indexPath = Path.Combine(directory, PackIndex.FileName);
        if (!File.Exists(indexPath))
        {
            start.Report($"modulartrace: pack {directory} is not built: {indexPath} does not exist", "build it with 'mtrace pack build' or fix ModularTrace:Pack");
            return [];
        }

        var signed = SignatureVerifier.Verify(File.ReadAllBytes(indexPath), keyrings);
        if (!signed.IsValid)
        {
            start.Report($"modulartrace: pack {directory}: {PackIndex.FileName} is not signed by a trusted key: {signed.Reason} ({signed.Status.ToErrno()})", "trust the pack's signer (ModularTrace:Certificates or the keyring directory)");
            return [];
        }

        var index = PackIndex.Parse(signed.Payload.Span, indexPath);
        if (index.Vermagic != vermagic)
        {
            start.Report($"modulartrace: pack {directory} was built for vermagic '{index.Vermagic}', this host is '{vermagic}'", "rebuild the pack against this host's Module.symvers");
            return [];
        }

        var files = new List<string>();
        foreach (var module in index.Modules)
        {
            var file = Path.Combine(directory, module.File);
            if (Path.GetFileName(module.File) != module.File || !File.Exists(file))
            {
                start.Report($"modulartrace: pack {directory}: module file {module.File} is missing", "rebuild the pack");
                continue;
            }

            var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));
            if (hash != module.Sha256)
            {
                start.Report($"modulartrace: pack {directory}: {module.File} does not match the signed index", "a module was altered or swapped in from another pack; rebuild the pack");
                continue;
            }

            files.Add(file);
        }

        return files;
    }

    private static ControlServer StartControl(ModularTraceOptions options, string root, TraceSession session, ModuleLoader loader, Action<string> log)
    {
        var path = options.Socket.Path is { Length: > 0 } p ? Path.Combine(root, p) : null;
        try
        {
            return ControlServer.Start(new ControlServerOptions { Session = session, Loader = loader, SocketPath = path, Log = log });
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            throw new ModularTraceStartException(
                $"modulartrace: refusing to start: control socket: {ex.Message}",
                path is null ? "check $XDG_RUNTIME_DIR and $TMPDIR, or set ModularTrace:Socket:Path" : "set another ModularTrace:Socket:Path, or stop the host serving it");
        }
    }

    // The policy decides what a problem at start means: enforce and lockdown refuse to start, permissive starts without it.
    private sealed class StartProblems(Policy policy, Action<string> log)
    {
        public void Report(string problem, string? hint)
        {
            var name = policy.ToString().ToLowerInvariant();
            if (policy == Policy.Permissive)
            {
                log($"{problem}; starting without it (policy {name})");
                return;
            }

            throw new ModularTraceStartException($"{problem}; refusing to start (policy {name})", (hint is null ? "" : hint + "; ") + "or start under ModularTrace:Policy=permissive");
        }
    }
}
