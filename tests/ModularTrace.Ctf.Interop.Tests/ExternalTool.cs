using System.Diagnostics;

namespace ModularTrace.Ctf.Interop.Tests;

/// <summary>The output of one run of an outside program.</summary>
public sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// Finds and runs outside programs. A missing program skips the test, naming the program, except under
/// <c>CI=true</c>, where it fails: CI installs every program the tests need (.ci/run's apt_packages).
/// </summary>
public static class ExternalTool
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);

    /// <summary>The program's full path; skips the test (or fails it under CI=true) when it is not on PATH.</summary>
    public static string Require(string program)
    {
        var path = Find(program);
        if (path is not null)
        {
            return path;
        }

        var message = $"{program} is not installed (not found on PATH)";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail($"{message}; CI must install it: add it to apt_packages in .ci/run");
        }

        Skip.If(true, $"{message}; install it to run this test (apt-get install {program})");
        return program;
    }

    /// <summary>Runs a program to completion and captures its output.</summary>
    public static ToolResult Run(string path, params string[] arguments)
    {
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {path}");
        // Read both pipes at once: a full stderr pipe would otherwise block the program while we wait on stdout.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(s_timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{path} did not finish within {s_timeout}");
        }

        process.WaitForExit();
        return new ToolResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    private static string? Find(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
