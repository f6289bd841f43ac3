using System.Text.Json;

namespace ModularTrace.Integration.Tests.Hosting;

/// <summary><c>mtrace hooks --assembly</c> and its refusals: a host's table read from its build, no process needed.</summary>
public sealed class HooksCliTests
{
    [Fact]
    public void Assembly_Json_CarriesTheHostsVermagicAndArguments()
    {
        var result = Mtrace.Run("hooks", "--assembly", SampleService.Assembly, "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(File.ReadAllText(Path.Combine(SampleService.BuildDirectory, "Module.vermagic")).TrimEnd('\n'), json.RootElement.GetProperty("vermagic").GetString());
        var stop = json.RootElement.GetProperty("hooks").EnumerateArray().Single(h => h.GetProperty("name").GetString() == "http_request_stop");
        Assert.Equal(
            ["request_id:long", "method:string", "route:string", "status:int", "duration_ns:long"],
            stop.GetProperty("arguments").EnumerateArray().Select(a => $"{a.GetProperty("name").GetString()}:{a.GetProperty("type").GetString()}"));
    }

    [Fact]
    public void Assembly_WithoutHostHooks_IsRefusedNamingTheAttribute()
    {
        var core = Path.Combine(AppContext.BaseDirectory, "ModularTrace.Hooks.dll");
        var result = Mtrace.Run("hooks", "--assembly", core);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"mtrace: hooks: {core}: Assembly 'ModularTrace.Hooks' names no hooks type; add [assembly: ModularTrace.Hosting.HostHooks(typeof(YourHooks))]", result.Stderr, StringComparison.Ordinal);

        var missing = Mtrace.Run("hooks", "--assembly", core + ".none");
        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith($"mtrace: hooks: {core}.none does not exist\n", missing.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mtrace: hooks: --write-symvers needs --assembly\n", "hooks", "--write-symvers", "out")]
    [InlineData("mtrace: hooks: --attach, --assembly and --profile/--profiles each name a host; give one\n", "hooks", "--attach", "1", "--profile", "debian")]
    public void ConflictingOptions_AreUsageErrors(string expected, params string[] args)
    {
        var result = Mtrace.Run(args);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(expected, result.Stderr, StringComparison.Ordinal);
    }
}
