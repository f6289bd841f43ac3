using ModularTrace.Hooks;

namespace ModularTrace.Integration.Tests.Hosting;

/// <summary><c>mtrace modpost --symvers FILE</c>: CRCs and vermagic from another host's Module.symvers, refusals with the file.</summary>
public sealed class ModpostSymversTests : IDisposable
{
    private const string Vermagic = "myapp 3.2.1+0123abcd net10.0 mod_unload modversions";
    private readonly TempDirectory _directory = new();

    public ModpostSymversTests()
    {
        File.WriteAllText(Symvers, Line("myapp_request(string route, int status)") + Line("myapp_job(string name)"));
        File.WriteAllText(Path.Combine(_directory.Path, "Module.vermagic"), Vermagic + "\n");
    }

    public void Dispose() => _directory.Dispose();

    private string Symvers => Path.Combine(_directory.Path, "Module.symvers");

    private string Output => Path.Combine(_directory.Path, "obj", "ModuleVersions.g.cs");

    [Fact]
    public void HookInTheFile_IsStampedWithItsCrc_AndTheVermagicBesideIt()
    {
        var result = Mtrace.Run("modpost", "--module", "myappevents", "--hook", "myapp_request", "--symvers", Symvers, "--out", Output);
        Assert.True(result.ExitCode == 0, result.ToString());
        var text = File.ReadAllText(Output);
        Assert.Contains($"[assembly: global::ModularTrace.Modules.ModuleVermagic(\"{Vermagic}\")]", text, StringComparison.Ordinal);
        Assert.Contains($"ModuleHookVersion(\"myapp_request\", 0x{HookSignature.ComputeCrc("myapp_request(string route, int status)"):x8}u)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("myapp_job", text, StringComparison.Ordinal);

        var given = Mtrace.Run("modpost", "--module", "myappevents", "--hook", "myapp_request", "--symvers", Symvers, "--vermagic", "other 1.0", "--out", Output);
        Assert.True(given.ExitCode == 0, given.ToString());
        Assert.Contains("ModuleVermagic(\"other 1.0\")", File.ReadAllText(Output), StringComparison.Ordinal);
    }

    [Fact]
    public void HookMissingFromTheFile_FailsWithTheKernelsUndefined_NamingTheFile()
    {
        var result = Mtrace.Run("modpost", "--module", "myappevents", "--hook", "myapp_request;myapp_cache", "--symvers", Symvers, "--out", Output);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"mtrace: modpost: \"myapp_cache\" [myappevents] undefined!\n  hint: {Symvers} (the host's Module.symvers) has no hook of that name; 'mtrace hooks --attach PID' lists a running host's hooks\n",
            result.Stderr);
        Assert.False(File.Exists(Output), "nothing is half-written");
    }

    [Fact]
    public void MalformedLine_IsRefusedWithFileAndLine_AndNothingIsWritten()
    {
        File.AppendAllText(Symvers, "0x00000001\tmyapp_cache\tmyapp_cache(string key)\n");
        var result = Mtrace.Run("modpost", "--module", "myappevents", "--hook", "myapp_request", "--symvers", Symvers, "--out", Output);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith(
            $"mtrace: modpost: {Symvers}:3: CRC 0x00000001 is not the CRC of 'myapp_cache(string key)' ({HookSignature.FormatCrc(HookSignature.ComputeCrc("myapp_cache(string key)"))}); the line was edited by hand.\n  hint: ",
            result.Stderr,
            StringComparison.Ordinal);
        Assert.False(File.Exists(Output));
    }

    [Fact]
    public void NoVermagic_IsRefused_SayingWhereItIsLookedFor()
    {
        File.Delete(Path.Combine(_directory.Path, "Module.vermagic"));
        var result = Mtrace.Run("modpost", "--module", "myappevents", "--hook", "myapp_request", "--symvers", Symvers, "--out", Output);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"mtrace: modpost: no vermagic for the host of {Symvers}: give --vermagic, or put its Module.vermagic beside it\n", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Output));

        var missing = Mtrace.Run("modpost", "--module", "myappevents", "--hook", "myapp_request", "--symvers", Symvers + ".none", "--vermagic", "x", "--out", Output);
        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith($"mtrace: modpost: cannot read {Symvers}.none: ", missing.Stderr, StringComparison.Ordinal);
    }
    [Fact]
    public void Declare_HookInTheFile_IsTypedFromItsPrototype_WithAnEventOfItsArguments()
    {
        var result = Mtrace.Run("modpost", "--module", "myappevents", "--hook", "myapp_request", "--symvers", Symvers, "--declare", "--out", Output);
        Assert.True(result.ExitCode == 0, result.ToString());
        var text = File.ReadAllText(Output);
        Assert.Contains("internal static global::ModularTrace.Hooks.Hook<string, int> myapp_request(global::ModularTrace.Modules.ModuleContext context)", text, StringComparison.Ordinal);
        Assert.Contains("var f1 = layout.DynamicString(\"route\");\n        var f2 = layout.S32(\"status\");\n", text, StringComparison.Ordinal);
        Assert.Contains("new global::ModularTrace.Events.EventClass(\"myapp_request\", layout.Build(), \"route={route} status={status}\")", text, StringComparison.Ordinal);
        Assert.Contains("[Record_myapp_request(context, system)]", text, StringComparison.Ordinal);
        Assert.DoesNotContain("myapp_job", text, StringComparison.Ordinal);

        // Without --declare the file is the attributes alone, as every module built before it had.
        var plain = Mtrace.Run("modpost", "--module", "myappevents", "--hook", "myapp_request", "--symvers", Symvers, "--out", Output);
        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.DoesNotContain("ModuleHooks", File.ReadAllText(Output), StringComparison.Ordinal);
    }

    private static string Line(string prototype) =>
        $"{HookSignature.FormatCrc(HookSignature.ComputeCrc(prototype))}\t{prototype[..prototype.IndexOf('(', StringComparison.Ordinal)]}\t{prototype}\n";
}
