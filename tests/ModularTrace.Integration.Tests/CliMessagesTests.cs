namespace ModularTrace.Integration.Tests;

/// <summary>
/// The CLI's error contract, for the mistakes a new user makes first: one line naming the thing and the reason, a hint
/// line, a non-zero exit, and never a .NET type name or a stack trace (those need --verbose).
/// </summary>
public sealed class CliMessagesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mtrace-messages-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Asserts the contract shape and returns the first line.</summary>
    private static string Refusal(MtraceResult result, int exitCode)
    {
        Assert.True(result.ExitCode == exitCode, result.ToString());
        var lines = Lines(result.Stderr).Where(line => !line.StartsWith("[mtrace] ", StringComparison.Ordinal)).ToArray();
        Assert.True(lines.Length == 2, $"expected one reason and one hint line\n{result}");
        Assert.StartsWith("mtrace: ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("  hint: ", lines[1], StringComparison.Ordinal);
        Assert.DoesNotContain("System.", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("`", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        return lines[0];
    }

    [Fact]
    public void MisspeltVerb_SaysOnlyThatAndSuggestsTheVerb()
    {
        var result = Mtrace.Run("rnu");
        Assert.Equal("mtrace: Unrecognized command or argument 'rnu'.", Refusal(result, 2));
        Assert.DoesNotContain("Required command was not provided", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("hint: did you mean 'mtrace run'?", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void MisspeltOption_SuggestsTheOption()
    {
        var result = Mtrace.Run("hooks", "--symver");
        Refusal(result, 2);
        Assert.Contains("hint: did you mean '--symvers'?", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void NumberOption_GivenWords_SaysWhatItWantsInWords()
        => Assert.Equal("mtrace: --events: 'abc' is not a whole number", Refusal(Mtrace.Run("run", "--events", "abc"), 2));

    [Fact]
    public void Sign_NoArguments_NamesTheMissingArgumentsOnce()
        => Assert.Equal("mtrace: sign: missing arguments <hash> <key> <x509> <module>", Refusal(Mtrace.Run("sign"), 2));

    [Theory]
    [InlineData("run", "--events", "5", "--duration", "1s")]
    [InlineData("run", "--buffer-size", "10")]
    [InlineData("run", "--policy", "lax")]
    public void Errors_WithoutAHintOfTheirOwn_StillEndWithOne(params string[] args)
        => Refusal(Mtrace.RunIn(RepoFiles.Root, args), 2);

    [Fact]
    public void Run_UnknownClock_NamesEveryClockIncludingTsc()
    {
        var result = Mtrace.RunIn(RepoFiles.Root, "run", "--clock", "local");
        Assert.Equal("mtrace: unknown clock 'local'", Refusal(result, 2));
        Assert.Contains("hint: use mono, counter, coarse or tsc", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_TscClock_WritesCounterTimesAsMonotonicSecondsWithTheCalibrationInTheHeader()
    {
        var result = Mtrace.RunIn(RepoFiles.Root, "run", "--clock", "tsc", "--events", "200", "--text");
        Assert.True(result.ExitCode == 0, result.ToString());
        var header = Lines(result.Stdout).TakeWhile(line => line.StartsWith('#')).ToArray();
        if (ModularTrace.Events.TscClock.IsAvailable)
        {
            Assert.Contains("# trace_clock: tsc", header);
            Assert.Single(header, line => line.StartsWith("# tsc_calibration: freq=", StringComparison.Ordinal));
            Assert.DoesNotContain("warning", result.Stderr, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("# trace_clock: mono", header);
            Assert.Contains($"[mtrace] warning: trace clock tsc unavailable ({ModularTrace.Events.TscClock.UnavailableReason}): using mono", result.Stderr, StringComparison.Ordinal);
        }

        // Seconds since boot with microseconds, as the mono clock prints them; never decreasing within a CPU.
        var stamps = Lines(result.Stdout).Where(line => !line.StartsWith('#'))
            .Select(line => System.Text.RegularExpressions.Regex.Match(line, @"\[(\d{3})\] \.\.\.\. +(\d+\.\d{6}):"))
            .Select(match => (Cpu: match.Groups[1].Value, Seconds: decimal.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        Assert.Equal(200, stamps.Count);
        var uptime = decimal.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.All(stamps, stamp => Assert.InRange(stamp.Seconds, uptime - 120, uptime + 1));
        foreach (var cpu in stamps.GroupBy(stamp => stamp.Cpu))
        {
            Assert.Equal(cpu.Select(stamp => stamp.Seconds).Order(), cpu.Select(stamp => stamp.Seconds));
        }
    }

    [Fact]
    public void Run_UnknownProfile_IsNamedAsAProfileNotAPack()
    {
        var line = Refusal(Mtrace.RunIn(RepoFiles.Root, "run", "--profile", "arch"), 1);
        Assert.Equal("mtrace: unknown host profile 'arch'", line);
    }

    [Fact]
    public void Run_LoadADirectory_IsRefusedAsEisdir()
        => Assert.Equal($"mtrace: {_dir}: is a directory (EISDIR)", Refusal(Mtrace.Run("run", "--load", _dir), 1));

    [Fact]
    public void Run_UnsignedModule_PrintsTheRefusalOnce()
    {
        var result = Mtrace.Run("run", "--load", RepoFiles.TestModule("TestUnsigned"));
        Assert.Equal("mtrace: Loading of unsigned module test_unsigned is rejected", Refusal(result, 1));
        Assert.Single(Lines(result.Stderr), line => line.Contains("Loading of unsigned module", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_ModuleSignedByAnUnknownKey_HintsAtTrustingItForTheRun()
    {
        var keys = Path.Combine(_dir, "alice");
        Assert.Equal(0, Mtrace.Run("keys", "generate", "--out", keys, "--algo", "ecdsa-p256", "--subject", "alice").ExitCode);
        var module = Path.Combine(_dir, "ModularTrace.Module.TestUnsigned.dll");
        File.Copy(RepoFiles.TestModule("TestUnsigned"), module);
        var sign = Mtrace.Run("sign", "sha256", Path.Combine(keys, "signing_key.pem"), Path.Combine(keys, "signing_key.x509"), module);
        Assert.True(sign.ExitCode == 0, sign.ToString());

        var result = Mtrace.Run("run", "--load", module);
        Assert.Contains("with unavailable key is rejected", Refusal(result, 1), StringComparison.Ordinal);
        Assert.Contains("hint: trust its signer for this run with --cert", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("keys enroll", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, Mtrace.Run("run", "--load", module, "--cert", Path.Combine(keys, "signing_key.x509"), "--events", "100").ExitCode);
    }

    [Fact]
    public void Demo_OutsideACheckout_SaysToRunItInAClone()
    {
        var result = Mtrace.RunIn(_dir, "demo");
        Assert.StartsWith("mtrace: not inside a ModularTrace checkout", Refusal(result, 1), StringComparison.Ordinal);
        Assert.Contains("hint: cd into a clone of the ModularTrace repository", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("pass nothing", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("README.md")]
    [InlineData("/etc/passwd")]
    [InlineData("random")]
    public void Modinfo_NotAModule_FailsLikeTheKernelsModinfo(string file)
    {
        var path = file switch
        {
            "README.md" => Path.Combine(RepoFiles.Root, "README.md"),
            "random" => Path.Combine(_dir, "random.bin"),
            _ => file,
        };
        if (file == "random")
        {
            var bytes = new byte[4096];
            new Random(21).NextBytes(bytes);
            File.WriteAllBytes(path, bytes);
        }

        var result = Mtrace.Run("modinfo", path);
        Assert.StartsWith($"mtrace: could not get modinfo from '{path}': Exec format error (ENOEXEC)", Refusal(result, 1), StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public void Modinfo_AModule_ShowsItsManifest()
    {
        var result = Mtrace.Run("modinfo", RepoFiles.SampleModule("Sched"), "--cert", RepoFiles.DevCertificate);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("name:           sched", Lines(result.Stdout));
        Assert.Contains("signature:      valid (builtin keyring)", Lines(result.Stdout));
    }
}
