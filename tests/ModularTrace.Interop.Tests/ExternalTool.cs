using System.Diagnostics;

namespace ModularTrace.Interop.Tests;

/// <summary>
/// Finds and runs the outside programs the interop tests check against. A missing program skips the test locally
/// (naming it) but fails it under <c>CI=true</c>, where <c>.ci/run</c> installs every one of them.
/// </summary>
internal static class ExternalTool
{
    public const string OpenSsl = "openssl";
    public const string SignFile = "sign-file";

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The program's path, or null. <c>sign-file</c> lives in Debian's linux-kbuild package, not on PATH.</summary>
    public static string? Find(string name)
    {
        if (name == SignFile)
        {
            var fromEnvironment = Environment.GetEnvironmentVariable("MTRACE_SIGN_FILE");
            if (!string.IsNullOrEmpty(fromEnvironment))
            {
                return File.Exists(fromEnvironment) ? fromEnvironment : null;
            }

            return Directory.Exists("/usr/lib")
                ? Directory.GetDirectories("/usr/lib", "linux-kbuild-*").Order(StringComparer.Ordinal)
                    .Select(dir => Path.Combine(dir, "scripts", "sign-file")).LastOrDefault(File.Exists)
                : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Why a test needing <paramref name="names"/> cannot run here, or null when it can (or must, under CI).</summary>
    public static string? SkipReason(params string[] names)
    {
        var missing = names.Where(name => Find(name) is null).ToArray();
        if (missing.Length == 0 || IsCi)
        {
            return null;
        }

        return $"{string.Join(" and ", missing)} not found (Debian: apt-get install openssl linux-kbuild-6.1); required when CI=true";
    }

    /// <summary>Runs a program; the program must exist (under CI a missing one fails the test here).</summary>
    public static ToolResult Run(string name, string workingDirectory, params string[] args)
    {
        var program = Find(name) ?? throw new InvalidOperationException($"{name} not found; the interop tests need it (CI=true makes it required)");
        return Start(program, workingDirectory, args);
    }

    /// <summary>Runs the real <c>mtrace</c> built beside the tests.</summary>
    public static ToolResult Mtrace(string workingDirectory, params string[] args)
        => Start("dotnet", workingDirectory, [Path.Combine(AppContext.BaseDirectory, "mtrace.dll"), .. args]);

    private static ToolResult Start(string program, string workingDirectory, string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in 2 minutes");
        }

        return new ToolResult($"{Path.GetFileName(program)} {string.Join(' ', args)}", process.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>What a program printed and returned.</summary>
internal sealed record ToolResult(string Command, int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"{Command}\nexit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>A fact that needs outside programs: skipped naming them when missing, run (and failing) under CI=true.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools) => Skip = ExternalTool.SkipReason(tools);
}

/// <summary>A theory that needs outside programs: skipped naming them when missing, run (and failing) under CI=true.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ToolTheoryAttribute : TheoryAttribute
{
    public ToolTheoryAttribute(params string[] tools) => Skip = ExternalTool.SkipReason(tools);
}
