namespace ModularTrace.Integration.Tests;

/// <summary>Broken environments seen through the real <c>mtrace</c>: one clear stderr line, a documented exit status.</summary>
public sealed class CliFaultTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mtrace-cli-fault-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Tests run as root, whom permission bits do not stop: /proc and /sys refuse new directories to everyone.
    [Theory]
    [InlineData("/proc/mtrace-forbidden")]
    [InlineData("/sys/mtrace-forbidden")]
    public void Run_CtfDirectoryThatCannotBeCreated_ExitsOneNamingThePathAfterTheSummary(string ctf)
    {
        var result = Mtrace.Run("run", "--load", RepoFiles.SampleModule("Sched"), "--events", "500", "--ctf", ctf);

        Assert.True(result.ExitCode == 1, result.ToString());
        var first = result.Stderr.Split('\n').First(line => line.StartsWith("mtrace: ", StringComparison.Ordinal));
        Assert.StartsWith("mtrace: writing the CTF trace failed: ", first, StringComparison.Ordinal);
        Assert.Contains("mtrace-forbidden", first, StringComparison.Ordinal);
        Assert.Contains("  hint: give --ctf a new or empty directory on a writable disk", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("sched_switch", result.Stdout, StringComparison.Ordinal); // the summary was printed before the failure
    }

    [Fact]
    public void Run_CtfDirectoryUnderARegularFile_ExitsOneNamingThePath()
    {
        var file = Path.Combine(_dir, "not-a-directory");
        File.WriteAllText(file, "x");

        var result = Mtrace.Run("run", "--load", RepoFiles.SampleModule("Sched"), "--events", "500", "--ctf", Path.Combine(file, "trace"));

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("mtrace: writing the CTF trace failed: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("not-a-directory", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Sign_PrivateKeyReadableByOthers_WarnsOnStderrAndStillSigns()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // no Unix mode bits to get wrong
        }

        var keys = Path.Combine(_dir, "keys");
        var generated = Mtrace.RunIn(_dir, "keys", "generate", "--out", keys, "--algo", "ecdsa-p256", "--subject", "exposed key");
        Assert.True(generated.ExitCode == 0, generated.ToString());
        var key = Path.Combine(keys, "signing_key.pem");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var module = Path.Combine(_dir, "module.bin");
        File.WriteAllBytes(module, new byte[500]);

        var result = Mtrace.RunIn(_dir, "sign", "sha256", key, Path.Combine(keys, "signing_key.x509"), module);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"mtrace: warning: private key {key} is accessible by group or others (mode 0644); run 'chmod 600 {key}'", result.Stderr, StringComparison.Ordinal);
        Assert.True(File.ReadAllBytes(module).Length > 500, "the module was not signed");
    }
}
