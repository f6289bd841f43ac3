using System.IO.Hashing;
using System.Text;
using System.Text.Json;

namespace ModularTrace.Integration.Tests;

public sealed class CliBasicsTests
{
    [Fact]
    public void HooksSymvers_TwoRuns_AreByteIdenticalSortedAndSelfConsistent()
    {
        var first = Mtrace.Run("hooks", "--symvers");
        var second = Mtrace.Run("hooks", "--symvers");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(first.Stdout, second.Stdout);

        var lines = first.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 12, $"only {lines.Length} hooks");
        var names = lines.Select(line => line.Split('\t')[1]).ToArray();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        foreach (var line in lines)
        {
            var columns = line.Split('\t');
            Assert.Equal(3, columns.Length);
            Assert.StartsWith(columns[1] + "(", columns[2], StringComparison.Ordinal);
            var crc = Crc32.HashToUInt32(Encoding.UTF8.GetBytes(columns[2]));
            Assert.Equal($"0x{crc:x8}", columns[0]);
        }
    }

    [Fact]
    public void HooksJson_ListsTheSameHooksAsSymvers()
    {
        var json = Mtrace.Run("hooks", "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        using var document = JsonDocument.Parse(json.Stdout);
        Assert.Equal("sample", document.RootElement.GetProperty("source").GetString());
        Assert.Equal(ModularTrace.Modules.VerMagic.Host, document.RootElement.GetProperty("vermagic").GetString());
        var fromJson = document.RootElement.GetProperty("hooks").EnumerateArray()
            .Select(hook => $"{hook.GetProperty("crc").GetString()}\t{hook.GetProperty("name").GetString()}\t{hook.GetProperty("prototype").GetString()}");
        var symvers = Mtrace.Run("hooks", "--symvers").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(symvers, fromJson);
        Assert.Equal(symvers.Length, document.RootElement.GetProperty("count").GetInt32());
    }

    [Fact]
    public void Demo_Defaults_RunsTheSampleHostAndSummarises()
    {
        var demo = Mtrace.Run("demo", "--events", "5000");
        Assert.True(demo.ExitCode == 0, demo.ToString());
        Assert.Contains("sched_switch", demo.Stdout, StringComparison.Ordinal);
        Assert.Contains("5,000 hook firings", demo.Stdout, StringComparison.Ordinal);

        // The README counts the hooks as the demo does (it said 15 while the demo said 18: 15 raw + 3 woven).
        var counts = System.Text.RegularExpressions.Regex.Match(demo.Stdout, @"sample host: (\d+) raw hooks and (\d+) function entry hooks");
        Assert.True(counts.Success, demo.Stdout);
        Assert.Contains(
            $"a simulated kernel with {counts.Groups[1].Value} raw hooks, {counts.Groups[2].Value} function entry hooks",
            File.ReadAllText(Path.Combine(RepoFiles.Root, "README.md")),
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nosuchverb")]
    [InlineData("hooks", "--nosuchoption")]
    [InlineData("demo", "--events", "many")]
    public void BadUsage_ExitsTwoWithOneReasonOnStderr(params string[] args)
    {
        var result = Mtrace.Run(args);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("mtrace: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("hint: see 'mtrace", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public void Demo_InvalidCpuCount_ExplainsOnStderr()
    {
        var result = Mtrace.Run("demo", "--cpus", "0");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("mtrace: cpus must be between 1 and 64 (got 0)", result.Stderr.Split('\n')[0]);
    }

    [Theory]
    [InlineData("demo")]
    [InlineData("hooks")]
    public void Help_EveryVerb_DescribesItself(string verb)
    {
        var result = Mtrace.Run(verb, "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"mtrace {verb}", result.Stdout, StringComparison.Ordinal);
    }
}
