using ModularTrace.Events;
using ModularTrace.Events.Filters;
using ModularTrace.Fuzz;
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

    public static TheoryData<string> FilterCrashes() => [.. Crashes("filter")];

    [Theory]
    [MemberData(nameof(FilterCrashes))]
    public void Parse_FuzzedFilter_NormalFormParsesBackToItself(string file)
    {
        var layout = FilterCase.Layout();
        var result = EventFilterParser.Parse(System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(file)), layout);
        if (result.IsSuccess)
        {
            Assert.Null(FilterCase.RoundTripViolation(result.Value, layout, FilterCase.Record(layout)));
        }
    }

    [Fact]
    public void Crashes_Folders_HoldTheCommittedInputs()
    {
        Assert.NotEmpty(Crashes("manifest"));
        Assert.NotEmpty(Crashes("filter"));
    }

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
