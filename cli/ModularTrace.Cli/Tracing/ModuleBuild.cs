using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ModularTrace.Cli.Tracing;

/// <summary>
/// Builds and signs the sample modules by running <c>dotnet build modules/Modules.proj</c>, showing each project as it
/// is built (a first build on a fresh clone takes minutes; silence would look like a hang).
/// </summary>
internal static partial class ModuleBuild
{
    public static void Run(string root, TextWriter log, params string[] properties) => Build(root, Path.Combine("modules", "Modules.proj"), log, properties);

    public static void Build(string root, string project, TextWriter log, params string[] properties)
    {
        // The dotnet host running this CLI, never a 'dotnet' looked up by name.
        var start = new ProcessStartInfo(Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Minimal verbosity prints one "Project -> output" line per project built: the progress shown below.
        foreach (var arg in new[] { "build", project, "-c", Packs.Configuration, "-nologo", "-v:m", "-clp:NoSummary" }.Concat(properties))
        {
            start.ArgumentList.Add(arg);
        }

        log.WriteLine($"       dotnet {string.Join(' ', start.ArgumentList)}");
        var clock = Stopwatch.StartNew();
        var lines = new List<string>();
        using var process = Process.Start(start) ?? throw new CliException("could not start 'dotnet build'", "check that the .NET 10 SDK is installed ('dotnet --info')");
        var stderr = process.StandardError.ReadToEndAsync();
        var built = 0;
        while (process.StandardOutput.ReadLine() is { } line)
        {
            lines.Add(line);
            if (Built().Match(line) is { Success: true } match)
            {
                built++;
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"       {clock.Elapsed.TotalSeconds,5:F0} s  built {match.Groups[1].Value}"));
            }
        }

        process.WaitForExit();
        lines.AddRange(stderr.Result.Split('\n'));
        if (process.ExitCode != 0)
        {
            foreach (var line in lines.Select(l => l.Trim()).Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)).Distinct().TakeLast(10))
            {
                log.WriteLine($"       {line}");
            }

            throw new CliException("building the sample modules failed (see the lines above)", "run 'dotnet build modules/Modules.proj' to see the full output");
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"       {clock.Elapsed.TotalSeconds,5:F0} s  done ({built} projects up to date or built)"));
    }

    /// <summary>A project's evaluated property (<c>dotnet msbuild -getProperty</c>), with the same properties as its build.</summary>
    public static string Property(string project, string name, params string[] properties)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "msbuild", project, "-nologo", $"-getProperty:{name}", $"-p:Configuration={Packs.Configuration}" }.Concat(properties))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new CliException("could not start 'dotnet msbuild'", "check that the .NET 10 SDK is installed ('dotnet --info')");
        var stderr = process.StandardError.ReadToEndAsync();
        var value = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return process.ExitCode == 0 && value.Length > 0
            ? value
            : throw new CliException($"cannot read {name} of {project}: {stderr.Result.Trim()}", "check that the project builds with 'dotnet build'");
    }

    // "  ModularTrace.Module.Sched -> /path/bin/Debug/net10.0/ModularTrace.Module.Sched.dll"
    [GeneratedRegex(@"^\s*(\S+) -> \S")]
    private static partial Regex Built();
}
