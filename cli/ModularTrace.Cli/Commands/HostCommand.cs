using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using ModularTrace.Cli.Tracing;
using ModularTrace.Control;
using ModularTrace.Events;
using ModularTrace.Modules;
using ModularTrace.SampleHost;

namespace ModularTrace.Cli.Commands;

/// <summary><c>mtrace host</c>: the sample host as a long-running process with a control socket (docs/live-control.md).</summary>
internal static class HostCommand
{
    public static Command Create()
    {
        var run = new RunOptions();
        var socket = new Option<string?>("--socket") { Description = "Serve on this socket path instead of $XDG_RUNTIME_DIR/mtrace/mtrace-<pid>.sock (its directory's permissions then guard it)." };
        var allowEnroll = new Option<bool>("--allow-enroll")
        {
            Description = "Take machine-keyring enrolment requests over the socket ('keys enroll --attach'); each waits until confirmed with the one-time code this host prints on its own console ('keys confirm'). Never under lockdown.",
        };
        var rate = new Option<int>("--rate") { Description = "Hook firings per second per simulated CPU; 0 for as fast as the CPU goes.", DefaultValueFactory = _ => 20_000 };
        var command = new Command("host", "Run the sample host until Ctrl-C or SIGTERM, serving the control socket; loads no modules unless --pack or --load.");
        foreach (var option in new Option[] { run.Profile, socket, run.Policy, run.Pack, run.Load, run.ForceVermagic, run.ForceModversion, run.Loader, run.Cpus, rate, run.Seed, run.BufferSize, run.Overwrite, run.Clock, allowEnroll })
        {
            command.Options.Add(option);
        }

        run.Trust.AddTo(command);
        command.SetAction(result => Serve(result, run, result.GetValue(socket), result.GetValue(rate), result.GetValue(allowEnroll)));
        return command;
    }

    private static int Serve(ParseResult result, RunOptions run, string? socketPath, int rate, bool allowEnroll)
    {
        var output = result.InvocationConfiguration.Output;
        var errors = result.InvocationConfiguration.Error;
        var policy = ParsePolicy(result.GetValue(run.Policy));
        var workload = new WorkloadOptions { Cpus = result.GetValue(run.Cpus), Seed = result.GetValue(run.Seed), Events = null, UntilCancelled = true, Rate = rate == 0 ? null : rate };
        if (rate < 0)
        {
            throw new CliException($"--rate must not be negative (got {rate})", "0 runs as fast as the CPU goes", ExitCodes.Usage);
        }

        if (workload.Validate() is { } problem)
        {
            throw new CliException(problem, null, ExitCodes.Usage);
        }

        var bufferSize = result.GetValue(run.BufferSize);
        if (bufferSize is < 4096 or > 1 << 30)
        {
            throw new CliException($"--buffer-size must be between 4096 and {1 << 30} bytes (got {bufferSize})", null, ExitCodes.Usage);
        }

        var clock = RunOptions.ParseClock(result.GetValue(run.Clock));
        var trace = new TraceOptions { BufferSize = bufferSize, Overwrite = result.GetValue(run.Overwrite), Clock = clock };
        var host = new TraceHost(result.GetValue(run.Profile), policy, run.Trust.Resolve(result, requireSomething: false), trace, errors);
        var loads = result.GetValue(run.Load) ?? [];
        var modules = loads.Length > 0 ? loads
            : result.GetValue(run.Pack) is { } pack ? Packs.ModuleFiles(RepoPaths.RequireRoot("--load FILE"), pack)
            : [];
        host.Load(modules, run.LoadOptionsOf(result));

        using var stop = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        ControlServer server;
        try
        {
            server = ControlServer.Start(new ControlServerOptions
            {
                Session = host.Session,
                Loader = host.Loader,
                SocketPath = socketPath,
                Log = line => errors.WriteLine($"[mtrace] {line}"),
                // The host's console is its standard error: the owner who started it sees the code, a client does not.
                Enrollment = allowEnroll ? SocketEnrollment.ConfirmOnConsole : SocketEnrollment.Refused,
                Console = line => errors.WriteLine($"[mtrace] {line}"),
            });
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            throw new CliException(ex.Message, socketPath is null ? "check $XDG_RUNTIME_DIR and $TMPDIR, or pass --socket PATH" : "pass another --socket PATH, or stop the host serving it");
        }

        var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        output.WriteLine($"mtrace host: pid {pid}, control socket {server.SocketPath}");
        output.WriteLine($"  {host.Loader.Modules.Length} modules loaded, policy {policy.ToString().ToLowerInvariant()}; attach with 'mtrace lsmod --attach {pid}'; stop with Ctrl-C or 'kill {pid}'");
        output.Flush();

        var kernel = Task.Factory.StartNew(() => host.Kernel.Run(workload, stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        WorkloadResult fired;
        try
        {
            fired = kernel.GetAwaiter().GetResult();
        }
        finally
        {
            // Stop serving first (no request may load a module during teardown), then unload, then report.
            stop.Cancel();
            server.Dispose();
        }

        var unloaded = UnloadAll(host.Loader, errors);
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"mtrace host: stopped after {fired.TotalFires:N0} hook firings in {fired.Elapsed.TotalSeconds:F1} s; unloaded {unloaded} modules; removed {server.SocketPath}; host taints: {host.Loader.Taints}"));
        // The books at exit (written = delivered + lost to readers + overrun + unread): nothing leaves unaccounted for.
        output.WriteLine($"mtrace host: records {server.PipeSummary()}");
        output.Flush();
        return ExitCodes.Ok;
    }

    // Importers before the modules they import from, otherwise newest first (rmmod order).
    private static int UnloadAll(ModuleLoader loader, TextWriter errors)
    {
        var count = 0;
        while (loader.Modules.Length > 0)
        {
            var modules = loader.Modules;
            var next = modules.Reverse().FirstOrDefault(m => !modules.Any(user => user.Uses.Contains(m.Name))) ?? modules[^1];
            if (loader.Unload(next.Name) is { } error)
            {
                errors.WriteLine($"[mtrace] {error}");
                break;
            }

            count++;
        }

        return count;
    }

    private static Policy ParsePolicy(string? text) => text switch
    {
        "enforce" => Policy.Enforce,
        "permissive" => Policy.Permissive,
        "lockdown" => Policy.Lockdown,
        var other => throw new CliException($"unknown policy '{other}'", "use enforce, permissive or lockdown", ExitCodes.Usage),
    };
}
