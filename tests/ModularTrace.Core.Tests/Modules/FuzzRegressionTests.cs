using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;
using ModularTrace.Signing;

namespace ModularTrace.Core.Tests.Modules;

/// <summary>Inputs afl++ found crashing a harness (tests/ModularTrace.Fuzz/crashes/), kept as regression tests.</summary>
public sealed class FuzzRegressionTests
{
    public static TheoryData<string> ManifestCrashes() => [.. Crashes("manifest")];

    [Theory]
    [MemberData(nameof(ManifestCrashes))]
    public void TryRead_FuzzedImage_ReturnsAReasonInsteadOfThrowing(string file)
    {
        var manifest = ModuleManifestReader.TryRead(File.ReadAllBytes(file), out var error);
        Assert.Null(manifest);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Theory]
    [MemberData(nameof(ManifestCrashes))]
    public void Load_FuzzedImageUnderPermissive_IsRefusedAndTheHostKeepsRunning(string file)
    {
        var loader = new ModuleLoader(new HookRegistry(), new TraceSession(), new Keyrings(), Policy.Permissive);
        var result = loader.Load(file);
        Assert.False(result.Loaded);
        Assert.EndsWith("(ENOEXEC)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Crashes_ManifestFolder_HoldsTheCommittedInputs() => Assert.NotEmpty(Crashes("manifest"));

    private static IEnumerable<string> Crashes(string harness)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var folder = Path.Combine(dir.FullName, "tests", "ModularTrace.Fuzz", "crashes", harness);
            if (Directory.Exists(folder))
            {
                return Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal);
            }
        }

        return [];
    }
}
