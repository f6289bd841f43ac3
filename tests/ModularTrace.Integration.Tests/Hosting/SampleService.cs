using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace ModularTrace.Integration.Tests.Hosting;

/// <summary>
/// The sample ASP.NET Core service (samples/ModularTrace.SampleService) as built, run as a child process on a free
/// 127.0.0.1 port, with its own TMPDIR so its default control socket (and <c>mtrace ps</c>) stay inside a temporary
/// directory. Killed on dispose if still running; the directory goes with it.
/// </summary>
internal sealed class SampleService : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TempDirectory _tmp;

    private SampleService(Process process, TempDirectory tmp, int port)
    {
        _process = process;
        _tmp = tmp;
        Port = port;
    }

    public static string ProjectDirectory => Path.Combine(RepoFiles.Root, "samples", "ModularTrace.SampleService");

    public static string BuildDirectory => Path.Combine(ProjectDirectory, "bin", RepoFiles.Configuration, "net10.0");

    public static string Assembly => Path.Combine(BuildDirectory, "ModularTrace.SampleService.dll");

    public static string Module => Path.Combine(RepoFiles.Root, "samples", "ModularTrace.Module.SampleService", "bin", RepoFiles.Configuration, "net10.0", "ModularTrace.Module.SampleService.dll");

    public int Pid => _process.Id;

    public string Attach => Pid.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    /// <summary>The environment an mtrace needs to find this service by pid: the same TMPDIR, no XDG_RUNTIME_DIR.</summary>
    public IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?> { ["TMPDIR"] = _tmp.Path, ["XDG_RUNTIME_DIR"] = null };

    /// <summary>Where the service's default control socket is.</summary>
    public string SocketPath => Path.Combine(_tmp.Path, $"mtrace-{ModularTrace.Control.ControlSocket.UserId()}", $"mtrace-{Pid}.sock");

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the service; with <paramref name="waitUntilServing"/> returns once its socket and HTTP answer.</summary>
    public static async Task<SampleService> StartAsync(bool waitUntilServing, params string[] args)
    {
        var tmp = new TempDirectory();
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The content root: keys/ and appsettings.json are found from here, as with 'dotnet run'.
            WorkingDirectory = ProjectDirectory,
        };
        start.Environment["TMPDIR"] = tmp.Path;
        start.Environment.Remove("XDG_RUNTIME_DIR");
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var arg in new[] { Assembly, "--urls", $"http://127.0.0.1:{port}", "--SampleService:JobIntervalMs=200" }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var service = new SampleService(process, tmp, port);
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        if (!waitUntilServing)
        {
            return service;
        }

        try
        {
            using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"the sample service exited with {process.ExitCode}");
                }

                if (File.Exists(service.SocketPath) && await Answers(http))
                {
                    return service;
                }

                if (deadline.Elapsed > TimeSpan.FromSeconds(90))
                {
                    throw new TimeoutException("the sample service did not serve within 90 s");
                }

                await Task.Delay(100);
            }
        }
        catch (Exception ex)
        {
            var output = service.Output;
            service.Dispose();
            throw new InvalidOperationException($"{ex.Message}\n{output}", ex);
        }
    }

    public Task<bool> WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync(new CancellationTokenSource(timeout).Token)
        .ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default);

    /// <summary>SIGTERM, as systemd or <c>kill PID</c> sends it.</summary>
    public void Terminate() => Assert.Equal(0, kill(Pid, 15));

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(30));
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }

        _process.Dispose();
        _tmp.Dispose();
    }

    private static async Task<bool> Answers(HttpClient http)
    {
        try
        {
            using var response = await http.GetAsync(new Uri("health", UriKind.Relative));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int kill(int pid, int signal);
}
