using System.Diagnostics;

namespace ModularTrace.Integration.Tests;

/// <summary>Runs the real <c>mtrace</c> executable (the CLI's build output copied beside the tests).</summary>
internal static class Mtrace
{
    private static readonly string s_dll = Path.Combine(AppContext.BaseDirectory, "mtrace.dll");

    public static MtraceResult Run(params string[] args) => RunIn(null, args);

    public static MtraceResult RunIn(string? workingDirectory, params string[] args) => RunWith(null, workingDirectory, args);

    /// <summary>With environment changes (a null value removes the variable): a host's TMPDIR for <c>ps</c> and <c>--attach PID</c>.</summary>
    public static MtraceResult RunWith(IReadOnlyDictionary<string, string?>? environment, string? workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            // stdin is closed at once, so mtrace never waits for a terminal answer (keys enroll refuses instead).
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        start.ArgumentList.Add(s_dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"mtrace {string.Join(' ', args)} did not finish in 5 minutes");
        }

        return new MtraceResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}

internal sealed record MtraceResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}
