using System.Diagnostics;

namespace ModularTrace.Cli.Tracing;

/// <summary>Builds and signs the sample modules by running <c>dotnet build modules/Modules.proj</c>.</summary>
internal static class ModuleBuild
{
    public static void Run(string root, TextWriter log, params string[] properties) => Build(root, Path.Combine("modules", "Modules.proj"), log, properties);

    public static void Build(string root, string project, TextWriter log, params string[] properties)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "build", project, "-c", Packs.Configuration, "-nologo", "-v:q", "-clp:ErrorsOnly" }.Concat(properties))
        {
            start.ArgumentList.Add(arg);
        }

        log.WriteLine($"       dotnet {string.Join(' ', start.ArgumentList)}");
        using var process = Process.Start(start) ?? throw new CliException("could not start 'dotnet build'");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            var lines = (stdout.Result + stderr.Result).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var line in lines.TakeLast(10))
            {
                log.WriteLine($"       {line}");
            }

            throw new CliException("building the sample modules failed (see the lines above)", "run 'dotnet build modules/Modules.proj' to see the full output");
        }
    }
}
