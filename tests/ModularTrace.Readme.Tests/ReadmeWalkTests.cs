using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

using ModularTrace.Integration.Tests;

namespace ModularTrace.Readme.Tests;

/// <summary>
/// The README, run as a new user runs it: every command of its <c>sh</c> blocks (the two first commands, the tour,
/// loading, signing, dynamic events, live control, packs and the lab, the SDK block), in order, in one shell, in a
/// fresh clone of this checkout, on a PATH where glibc's <c>mtrace</c> comes first (Debian's libc-devtools), with a
/// HOME, NuGet cache and template hive of its own. A command must exit 0 unless its comment says it is refused
/// (non-zero) or names its exit status ("exit 12"), so the README and the product cannot drift apart. Only
/// <c>dotnet test ModularTrace.sln</c> is left out: it is this test's own run. Slow (a full first build), so one test.
/// </summary>
public sealed partial class ReadmeWalkTests : IDisposable
{
    private const string LeftOut = "dotnet test ModularTrace.sln";

    private readonly string _root = Directory.CreateTempSubdirectory("mtrace-readme-").FullName;

    private string Clone => Path.Combine(_root, "modulartrace");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A file still held open must not turn a passing walk into a failure; the OS cleans temp.
        }
    }

    [Fact]
    public void Readme_ShellBlocks_RunInAFreshCloneBehindGlibcsMtrace()
    {
        var commands = Commands(File.ReadAllText(Path.Combine(RepoFiles.Root, "README.md")));
        Assert.Contains(commands, c => c.Text.StartsWith("dotnet run --project cli/ModularTrace.Cli -- demo", StringComparison.Ordinal));
        Assert.Contains(commands, c => c.Text.StartsWith("dotnet new mtrace-module", StringComparison.Ordinal));

        FreshClone();
        var shadow = Path.Combine(_root, "glibc-bin");
        GlibcMtrace.Install(shadow);
        var home = Path.Combine(_root, "home");
        Directory.CreateDirectory(home);

        var statuses = Path.Combine(_root, "statuses");
        var script = new StringBuilder();
        // Job control, as in a terminal: 'kill %1' stops the backgrounded host and everything it started.
        script.AppendLine("set -m");
        script.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"cd '{Clone}'");
        script.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"[ \"$(command -v mtrace)\" = '{Path.Combine(shadow, "mtrace")}' ] || {{ echo 'glibc mtrace is not first on PATH' >&2; exit 99; }}");
        for (var i = 0; i < commands.Count; i++)
        {
            script.AppendLine(Invariant($"echo '@@ {i}: {commands[i].Text.Replace("'", "'\\''", StringComparison.Ordinal)}' >&2"));
            script.AppendLine(commands[i].Text);
            script.AppendLine(Invariant($"echo \"{i} $?\" >> '{statuses}'"));
        }

        script.AppendLine("kill %1 2>/dev/null; wait");
        var scriptPath = Path.Combine(_root, "readme.sh");
        File.WriteAllText(scriptPath, script.ToString());

        var (exit, stdout, stderr) = Bash(scriptPath, shadow, home);
        var log = $"--- stdout (last 4000)\n{Tail(stdout, 4000)}\n--- stderr (last 8000)\n{Tail(stderr, 8000)}";
        Assert.True(exit != 99, log);
        var ran = File.Exists(statuses)
            ? File.ReadAllLines(statuses).Select(line => line.Split(' ')).ToDictionary(p => int.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), p => int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture))
            : [];
        for (var i = 0; i < commands.Count; i++)
        {
            Assert.True(ran.TryGetValue(i, out var status), $"README command {i} never finished: {commands[i].Text}\n{log}");
            var (text, expected) = commands[i];
            var ok = expected switch
            {
                null => status != 0,
                { } code => status == code,
            };
            Assert.True(ok, $"README command {i} exited {status}, expected {(expected is { } e ? e.ToString(System.Globalization.CultureInfo.InvariantCulture) : "non-zero")}: {text}\n{log}");
        }

        // What the README says about the run is what the run printed.
        var demo = HookCount().Match(stdout);
        Assert.True(demo.Success, log);
        Assert.Contains($"a simulated kernel with {demo.Groups[1].Value} raw hooks, {demo.Groups[2].Value} function entry hooks", File.ReadAllText(Path.Combine(RepoFiles.Root, "README.md")), StringComparison.Ordinal);
        Assert.Contains("signer:         MyEvents module signing key", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Wrong number of arguments", stdout + stderr, StringComparison.Ordinal);
    }

    /// <summary>Each command line of the README's sh blocks, with the exit status its comment promises (null: non-zero).</summary>
    internal static List<(string Text, int? Expected)> Commands(string readme)
    {
        var commands = new List<(string, int?)>();
        foreach (Match block in ShellBlock().Matches(readme))
        {
            foreach (var line in block.Groups[1].Value.Split('\n'))
            {
                var text = line.TrimEnd();
                if (text.Length == 0 || text.StartsWith('#') || text.StartsWith(LeftOut, StringComparison.Ordinal))
                {
                    continue;
                }

                var comment = Comment().Match(text) is { Success: true } c ? c.Groups[1].Value : "";
                int? expected = ExitStatus().Match(comment) is { Success: true } exit
                    ? int.Parse(exit.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
                    : comment.Contains("refused", StringComparison.Ordinal) ? null : 0;
                commands.Add((text, expected));
            }
        }

        return commands;
    }

    [Fact]
    public void Commands_CommentsPromiseTheExitStatus()
    {
        var commands = Commands("""
            ```sh
            mtrace a                                # fine
            mtrace b                                # refused: no key
            mtrace c                                # exit 12: changes
            dotnet test ModularTrace.sln            # left out
            ```
            ```xml
            <not-shell />
            ```
            """);
        Assert.Equal([("mtrace a                                # fine", 0), ("mtrace b                                # refused: no key", (int?)null), ("mtrace c                                # exit 12: changes", 12)], commands);
    }

    /// <summary>A clone of this checkout's history, with its working tree (tracked and new files) copied over.</summary>
    private void FreshClone()
    {
        Git(_root, "clone", "--quiet", RepoFiles.Root, Clone);
        var files = Git(RepoFiles.Root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        foreach (var file in files)
        {
            var source = Path.Combine(RepoFiles.Root, file);
            if (File.Exists(source))
            {
                var target = Path.Combine(Clone, file);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(source, target, overwrite: true);
            }
        }
    }

    private static string Git(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', args)}: {stderr}");
        return stdout.Result;
    }

    private (int Exit, string Stdout, string Stderr) Bash(string script, string shadow, string home)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Clone,
        };
        start.ArgumentList.Add(script);
        // A new user's environment: nothing of the test run's MSBuild or dotnet test state leaks in.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) || k == "DOTNET_HOST_PATH").ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["PATH"] = shadow + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        start.Environment["HOME"] = home;
        start.Environment["DOTNET_CLI_HOME"] = home;
        // Packages of this version are never taken from an earlier run; everything else may come from the machine's cache.
        start.Environment["NUGET_PACKAGES"] = Path.Combine(_root, "nuget-packages");
        start.Environment["NUGET_FALLBACK_PACKAGES"] = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["XDG_RUNTIME_DIR"] = Path.Combine(_root, "run");
        Directory.CreateDirectory(start.Environment["XDG_RUNTIME_DIR"]!);

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(60)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"the README walk did not finish in 60 minutes\n{Tail(stderr.Result, 8000)}");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string Tail(string text, int length) => text.Length <= length ? text : text[^length..];

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    [GeneratedRegex(@"```sh\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();

    [GeneratedRegex(@"\s{2,}#\s?(.*)$")]
    private static partial Regex Comment();

    [GeneratedRegex(@"\bexit (\d+)\b")]
    private static partial Regex ExitStatus();

    [GeneratedRegex(@"sample host: (\d+) raw hooks and (\d+) function entry hooks")]
    private static partial Regex HookCount();
}
