using System.Text.Json;
using ModularTrace.Cli;
using ModularTrace.Cli.Tracing;

namespace ModularTrace.Integration.Tests;

public sealed class PacksAndLabTests
{
    [Fact]
    public void PackBuild_EachDistribution_LoadsOnItsOwnHostAndIsRefusedOnAnother()
    {
        foreach (var distro in new[] { "debian", "fedora" })
        {
            var build = Mtrace.RunIn(RepoFiles.Root, "pack", "build", distro);
            Assert.True(build.ExitCode == 0, build.ToString());
            var verify = Mtrace.RunIn(RepoFiles.Root, "pack", "verify", distro);
            Assert.True(verify.ExitCode == 0, verify.ToString());
            var run = Mtrace.RunIn(RepoFiles.Root, "run", "--profile", distro, "--pack", distro, "--events", "500");
            Assert.True(run.ExitCode == 0, run.ToString());
        }

        var cross = Mtrace.RunIn(RepoFiles.Root, "run", "--profile", "fedora", "--pack", "debian", "--events", "10");
        Assert.Equal(1, cross.ExitCode);
        Assert.Contains("Loading of module with unavailable key is rejected", cross.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void AbiDiff_DebianToFedora_ReportsTheRemovedFieldWithTheIncompatibleBit()
    {
        Assert.Equal(0, Mtrace.RunIn(RepoFiles.Root, "pack", "build", "debian").ExitCode);
        Assert.Equal(0, Mtrace.RunIn(RepoFiles.Root, "pack", "build", "fedora").ExitCode);
        var diff = Mtrace.RunIn(RepoFiles.Root, "abi", "diff", "pack:debian", "pack:fedora");
        Assert.Equal(12, diff.ExitCode);
        Assert.Contains("event sched:sched_wakeup: field removed: s32 success", diff.Stdout, StringComparison.Ordinal);
        Assert.Contains("hook sys_openat: removed", diff.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, Mtrace.RunIn(RepoFiles.Root, "abi", "diff", "profile:ubuntu", "profile:ubuntu").ExitCode);
        Assert.Equal(2, Mtrace.RunIn(RepoFiles.Root, "abi", "diff", "no-such-side", "profile:ubuntu").ExitCode);
    }

    [Fact]
    public void PackVerify_TamperedIndexOrSwappedModule_IsDetected()
    {
        Assert.Equal(0, Mtrace.RunIn(RepoFiles.Root, "pack", "build", "debian").ExitCode);
        Assert.Equal(0, Mtrace.RunIn(RepoFiles.Root, "pack", "build", "ubuntu").ExitCode);
        var root = Directory.CreateTempSubdirectory("mtrace-pack-").FullName;
        try
        {
            CopyTree(Path.Combine(RepoFiles.Root, "modules", "packs"), Path.Combine(root, "modules", "packs"));
            CopyTree(Path.Combine(RepoFiles.Root, "keys", "profiles"), Path.Combine(root, "keys", "profiles"));
            CopyTree(Path.Combine(RepoFiles.Root, "out", "packs", "debian"), Path.Combine(root, "out", "packs", "debian"));
            Assert.Equal(6, Packs.Verify(root, "debian").Modules.Length);

            // A module swapped in from another pack (same name, same file name, validly signed by ubuntu).
            var target = Path.Combine(root, "out", "packs", "debian", "ModularTrace.Module.Sched.dll");
            var original = File.ReadAllBytes(target);
            File.Copy(Path.Combine(RepoFiles.Root, "out", "packs", "ubuntu", "ModularTrace.Module.Sched.dll"), target, overwrite: true);
            var swapped = Assert.Throws<CliException>(() => Packs.Verify(root, "debian"));
            Assert.Contains("does not match the signed index", swapped.Message, StringComparison.Ordinal);
            File.WriteAllBytes(target, original);

            // The index edited after signing.
            var index = Path.Combine(root, "out", "packs", "debian", Packs.IndexFile);
            var bytes = File.ReadAllBytes(index);
            bytes[10] ^= 0x20;
            File.WriteAllBytes(index, bytes);
            var edited = Assert.Throws<CliException>(() => Packs.Verify(root, "debian"));
            Assert.Contains("is not signed by the debian key", edited.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Lab_All_EveryScenarioReachesAVerdictFromRealRuns()
    {
        var lab = Mtrace.RunIn(RepoFiles.Root, "lab", "all", "--format", "json");
        Assert.True(lab.ExitCode == 0, lab.ToString());
        using var json = JsonDocument.Parse(lab.Stdout);
        var verdicts = json.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!, r => r.GetProperty("verdict").GetString()!);
        Assert.Equal(["abi-history", "consumer-tool", "crc-off", "cross-distro", "dynamic", "memory", "own-pack", "powertop", "runtime-payload", "user-signed"], verdicts.Keys.Order());
        foreach (var id in new[] { "own-pack", "user-signed", "cross-distro", "consumer-tool", "powertop", "crc-off", "dynamic", "runtime-payload" })
        {
            Assert.True(verdicts[id].StartsWith("holds", StringComparison.Ordinal), $"{id}: {verdicts[id]}");
        }

        Assert.StartsWith("answered", verdicts["abi-history"], StringComparison.Ordinal);
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
