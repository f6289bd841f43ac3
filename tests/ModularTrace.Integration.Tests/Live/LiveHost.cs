using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ModularTrace.Integration.Tests.Live;

/// <summary>
/// A real <c>mtrace host</c> child process. Started with a deadline for its banner; always killed (whole tree) on
/// Dispose if it is still running, so no test leaves a host behind.
/// </summary>
internal sealed partial class LiveHost : IDisposable
{
    private static readonly string s_dll = Path.Combine(AppContext.BaseDirectory, "mtrace.dll");
    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly System.Text.StringBuilder _stdout = new();
    private readonly System.Text.StringBuilder _stderr = new();

    private LiveHost(Process process, string socket)
    {
        _process = process;
        SocketPath = socket;
    }

    public int Pid => _process.Id;

    public string SocketPath { get; }

    public string Attach => Pid.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public bool IsRunning => !_process.HasExited;

    public string Output
    {
        get
        {
            lock (_gate)
            {
                return $"--- host stdout\n{_stdout}\n--- host stderr\n{_stderr}";
            }
        }
    }

    public static LiveHost Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoFiles.Root,
        };
        // The defaults unless the test names its own.
        var defaults = new[] { "--cpus", "1", "--rate", "20000" }.Chunk(2).Where(option => !args.Contains(option[0])).SelectMany(option => option);
        foreach (var arg in new[] { s_dll, "host" }.Concat(defaults).Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var banner = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        LiveHost? host = null;
        var stdout = new List<string>();
        var stderr = new List<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                banner.TrySetException(new InvalidOperationException("the host closed stdout before its banner"));
                return;
            }

            if (host is null)
            {
                lock (stdout)
                {
                    stdout.Add(e.Data);
                }
            }
            else
            {
                host.Append(host._stdout, e.Data);
            }

            if (Banner().Match(e.Data) is { Success: true } match)
            {
                banner.TrySetResult(match.Groups["socket"].Value);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            if (host is null)
            {
                lock (stderr)
                {
                    stderr.Add(e.Data);
                }
            }
            else
            {
                host.Append(host._stderr, e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        try
        {
            var socket = banner.Task.WaitAsync(TimeSpan.FromSeconds(90)).GetAwaiter().GetResult();
            host = new LiveHost(process, socket);
            lock (stdout)
            {
                stdout.ForEach(line => host.Append(host._stdout, line));
            }

            lock (stderr)
            {
                stderr.ForEach(line => host.Append(host._stderr, line));
            }

            return host;
        }
        catch (Exception ex)
        {
            Kill(process);
            process.Dispose();
            throw new InvalidOperationException($"mtrace host did not start: {ex.Message}\n{string.Join('\n', stdout)}\n{string.Join('\n', stderr)}", ex);
        }
    }

    /// <summary>Runs an mtrace verb against this host (<c>--attach PID</c> appended).</summary>
    public MtraceResult Run(params string[] args) => Mtrace.RunIn(RepoFiles.Root, [.. args, "--attach", Attach]);

    /// <summary>Sends SIGTERM, as <c>kill PID</c> does.</summary>
    public void Terminate() => Assert.True(SendTerm(), "kill -TERM failed");

    // kill -TERM PID; true when kill ran and succeeded.
    private bool SendTerm()
    {
        using var kill = Process.Start(new ProcessStartInfo("/usr/bin/kill") { ArgumentList = { "-TERM", Attach }, UseShellExecute = false })!;
        return kill.WaitForExit(TimeSpan.FromSeconds(30)) && kill.ExitCode == 0;
    }

    /// <summary>Sends SIGKILL: the host gets no chance to clean up.</summary>
    public void KillHard() => _process.Kill();

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    public int ExitCode => _process.ExitCode;

    // SIGTERM first, so the host unloads its modules (removing a plugin-mode module's private copy) and its socket, as
    // a user's Ctrl-C would; SIGKILL only if it does not stop, and then its socket is removed here. A host the test
    // itself stopped (SIGKILL tests check the stale socket it leaves) is left as it is.
    public void Dispose()
    {
        var running = !_process.HasExited;
        try
        {
            if (running)
            {
                SendTerm();
                _process.WaitForExit(TimeSpan.FromSeconds(30));
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }

        Kill(_process);
        _process.Dispose();
        if (running)
        {
            File.Delete(SocketPath);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(30));
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }

    private void Append(System.Text.StringBuilder to, string line)
    {
        lock (_gate)
        {
            to.AppendLine(line);
        }
    }

    [GeneratedRegex(@"^mtrace host: pid (?<pid>\d+), control socket (?<socket>\S+)$")]
    private static partial Regex Banner();
}
