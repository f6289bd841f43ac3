using ModularTrace.Events;
using ModularTrace.Events.Filters;
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
        // The filter harness's layout (tests/ModularTrace.Fuzz/Harnesses.cs).
        var b = new EventLayoutBuilder();
        b.Chars("comm", 16);
        b.S32("pid");
        b.U32("cpu");
        b.S64("delta");
        b.U8("flag");
        b.Bool("ok");
        b.DynamicString("name");
        var layout = b.Build();
        var result = EventFilterParser.Parse(System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(file)), layout);
        if (result.IsSuccess)
        {
            var again = EventFilterParser.Parse(result.Value.Text, layout);
            Assert.True(again.IsSuccess, again.Error?.ToString());
            Assert.Equal(result.Value.Text, again.Value.Text);
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
