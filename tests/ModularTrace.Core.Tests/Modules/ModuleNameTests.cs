using System.Reflection;
using System.Reflection.Emit;
using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;
using ModularTrace.Signing;

namespace ModularTrace.Core.Tests.Modules;

/// <summary>A module's name goes into every message about it, so the manifest reader admits only kernel-like names.</summary>
public sealed class ModuleNameTests
{
    [Theory]
    [InlineData("sched")]
    [InlineData("test_with_dependency")]
    [InlineData("nf-conntrack")]
    [InlineData("A1")]
    public void TryRead_ValidName_IsAccepted(string name)
    {
        var manifest = ModuleManifestReader.TryRead(Image(name), out var error);

        Assert.Null(error);
        Assert.Equal(name, manifest!.Name);
    }

    [Theory]
    [InlineData("bad\nname", "bad?name")]
    [InlineData("bad\u001b[31mred", "bad?[31mred")]
    [InlineData("with space", "with space")]
    [InlineData("../etc", "../etc")]
    [InlineData("dotted.name", "dotted.name")]
    public void TryRead_NameWithOtherCharacters_IsRefusedShownOnOneLine(string name, string shown)
    {
        var manifest = ModuleManifestReader.TryRead(Image(name), out var error);

        Assert.Null(manifest);
        Assert.Equal($"module name '{shown}' is not valid (letters, digits, '_' and '-', at most 55 characters)", error);
    }

    [Fact]
    public void TryRead_NameLongerThanTheKernelsLimit_IsRefused()
    {
        Assert.NotNull(ModuleManifestReader.TryRead(Image(new string('m', 55)), out _));
        Assert.Null(ModuleManifestReader.TryRead(Image(new string('m', 56)), out var error));
        Assert.Contains("at most 55 characters", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnsignedModuleWithANewlineInItsName_IsRefusedWithoutForgingALogLine()
    {
        var directory = Directory.CreateTempSubdirectory("mtrace-name-");
        try
        {
            var path = Path.Combine(directory.FullName, "evil.dll");
            File.WriteAllBytes(path, Image("evil\n[ok] loaded"));
            var loader = new ModuleLoader(new HookRegistry(), new TraceSession(), new Keyrings(), Policy.Permissive);

            var result = loader.Load(path);

            Assert.False(result.Loaded);
            Assert.Equal("evil: module name 'evil?[ok] loaded' is not valid (letters, digits, '_' and '-', at most 55 characters) (ENOEXEC)", result.Error);
            Assert.Empty(loader.Modules);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void TryRead_TextsWithControlCharacters_AreShownWithoutThem()
    {
        var trace = new CustomAttributeBuilder(typeof(TraceModuleAttribute).GetConstructor([typeof(string)])!, ["texts"],
            [typeof(TraceModuleAttribute).GetProperty(nameof(TraceModuleAttribute.Description))!, typeof(TraceModuleAttribute).GetProperty(nameof(TraceModuleAttribute.Version))!],
            ["line\n\u001b[2Jcleared", "1.0\r"]);
        var vermagic = new CustomAttributeBuilder(typeof(ModuleVermagicAttribute).GetConstructor([typeof(string)])!, ["0.1 net10.0\n[ok] loaded"]);
        var hook = new CustomAttributeBuilder(typeof(ModuleHookVersionAttribute).GetConstructor([typeof(string), typeof(uint)])!, ["sched\nswitch", 1u]);

        var manifest = ModuleManifestReader.TryRead(Image(trace, vermagic, hook), out var error);

        Assert.Null(error);
        Assert.Equal("line??[2Jcleared", manifest!.Description);
        Assert.Equal("1.0?", manifest.Version);
        Assert.Equal("0.1 net10.0?[ok] loaded", manifest.Vermagic);
        Assert.Equal("sched?switch", Assert.Single(manifest.Hooks).Key);
    }

    [Fact]
    public void Load_UnsignedModuleWithANewlineInItsVermagic_IsRefusedOnOneLine()
    {
        var directory = Directory.CreateTempSubdirectory("mtrace-name-");
        try
        {
            var path = Path.Combine(directory.FullName, "texts.dll");
            File.WriteAllBytes(path, Image(
                new CustomAttributeBuilder(typeof(TraceModuleAttribute).GetConstructor([typeof(string)])!, ["texts"]),
                new CustomAttributeBuilder(typeof(ModuleVermagicAttribute).GetConstructor([typeof(string)])!, ["old\n[ok] loaded"])));
            var loader = new ModuleLoader(new HookRegistry(), new TraceSession(), new Keyrings(), Policy.Permissive);

            var result = loader.Load(path);

            Assert.False(result.Loaded);
            Assert.DoesNotContain('\n', result.Error!);
            Assert.Contains("version magic 'old?[ok] loaded'", result.Error, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    // A minimal assembly carrying [assembly: TraceModule(name)], as a module's build would make it.
    private static byte[] Image(string moduleName) =>
        Image(new CustomAttributeBuilder(typeof(TraceModuleAttribute).GetConstructor([typeof(string)])!, [moduleName]));

    private static byte[] Image(params CustomAttributeBuilder[] attributes)
    {
        var assembly = new PersistedAssemblyBuilder(new AssemblyName("ModularTrace.Module.NameTest"), typeof(object).Assembly);
        assembly.DefineDynamicModule("ModularTrace.Module.NameTest");
        foreach (var attribute in attributes)
        {
            assembly.SetCustomAttribute(attribute);
        }

        using var stream = new MemoryStream();
        assembly.Save(stream);
        return stream.ToArray();
    }
}
