using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using ModularTrace.Modules;

namespace ModularTrace.Core.Tests.Modules;

/// <summary>
/// The manifest reader decodes only attributes of the shapes modules use: a constructor of at most two
/// parameters and no array arguments. System.Reflection.Metadata sizes its builders by counts read from the
/// image before it checks them, so other shapes are refused before decoding (afl++ found an array length
/// asking for gigabytes: tests/ModularTrace.Fuzz/crashes/manifest/crash-3).
/// </summary>
public sealed class AttributeShapeTests
{
    private const byte HasThis = 0x20, Void = 0x01, String = 0x0E, SZArray = 0x1D, Enum = 0x55, Property = 0x54;

    [Fact]
    public void TryRead_ConstructorClaimingHalfABillionParameters_IsRefusedBeforeDecoding()
    {
        // .ctor signature: instance, 0x1FFFFFFF parameters (compressed DF FF FF FF), returns void.
        var image = Image(ModuleAttribute, [HasThis, 0xDF, 0xFF, 0xFF, 0xFF, Void], [0x01, 0x00]);

        var manifest = ModuleManifestReader.TryRead(image, out var error);

        Assert.Null(manifest);
        Assert.Equal("not a readable .NET assembly: attribute ModularTrace.Modules.TraceModuleAttribute has a constructor with more than 2 parameters", error);
    }

    [Fact]
    public void TryRead_NamedArrayArgumentClaimingTwoBillionElements_IsRefusedBeforeDecoding()
    {
        // [TraceModule("x", Version = <string[] of 0x7FFFFFFF elements>)], the shape afl++ found.
        byte[] value = [0x01, 0x00, 0x01, (byte)'x', 0x01, 0x00, Property, SZArray, String, 0x07, .. "Version"u8, 0xFF, 0xFF, 0xFF, 0x7F];
        var image = Image(ModuleAttribute, [HasThis, 0x01, Void, String], value);

        var manifest = ModuleManifestReader.TryRead(image, out var error);

        Assert.Null(manifest);
        Assert.Equal("not a readable .NET assembly: an attribute argument of type String[]; module attributes take no arrays", error);
    }

    [Fact]
    public void TryRead_ArrayOfAnEnumNamedWithANewline_IsRefusedOnOneLine()
    {
        // An enum's type is named in the blob itself: the refusal must not carry the image's control characters.
        byte[] value = [0x01, 0x00, 0x01, (byte)'x', 0x01, 0x00, Property, SZArray, Enum, 0x09, .. "Evil\n[ok]"u8, 0x07, .. "Version"u8, 0x00, 0x00, 0x00, 0x00];
        var image = Image(ModuleAttribute, [HasThis, 0x01, Void, String], value);

        ModuleManifestReader.TryRead(image, out var error);

        Assert.Equal("not a readable .NET assembly: an attribute argument of type Evil?[ok][]; module attributes take no arrays", error);
    }

    [Fact]
    public void TryRead_ForeignAttributeOfAnyShape_IsNotDecoded()
    {
        // Only ModularTrace.Modules attributes are decoded; a library's attribute may take what it likes.
        var image = Image(("Other.Namespace", "TraceModuleAttribute"), [HasThis, 0xDF, 0xFF, 0xFF, 0xFF, Void], [0x01, 0x00],
            moduleName: "sched");

        var manifest = ModuleManifestReader.TryRead(image, out var error);

        Assert.Null(error);
        Assert.Equal("sched", manifest!.Name);
    }

    [Fact]
    public void TryRead_WellFormedModuleAttribute_StillReads()
    {
        var image = Image(ModuleAttribute, [HasThis, 0x01, Void, String], [0x01, 0x00, 0x05, .. "sched"u8, 0x00, 0x00]);

        Assert.Equal("sched", ModuleManifestReader.TryRead(image, out _)?.Name);
    }

    private static readonly (string Namespace, string Name) ModuleAttribute = ("ModularTrace.Modules", "TraceModuleAttribute");

    // A minimal assembly whose one assembly attribute is (attribute's .ctor with this signature)(this value blob),
    // written with MetadataBuilder so the blobs can say what no compiler would write; moduleName adds a real
    // [TraceModule(moduleName)] after it.
    private static byte[] Image((string Namespace, string Name) attribute, byte[] constructorSignature, byte[] value, string? moduleName = null)
    {
        var md = new MetadataBuilder();
        md.AddModule(0, md.GetOrAddString("ShapeTest.dll"), md.GetOrAddGuid(Guid.NewGuid()), default, default);
        md.AddAssembly(md.GetOrAddString("ModularTrace.Module.ShapeTest"), new Version(1, 0, 0, 0), default, default, 0, AssemblyHashAlgorithm.None);
        md.AddTypeDefinition(default, default, md.GetOrAddString("<Module>"), default,
            MetadataTokens.FieldDefinitionHandle(1), MetadataTokens.MethodDefinitionHandle(1));
        var core = md.AddAssemblyReference(md.GetOrAddString("ModularTrace.Contract"), new Version(1, 0, 0, 0), default, default, 0, default);

        AddAttribute(attribute, constructorSignature, value);
        if (moduleName is not null)
        {
            AddAttribute(ModuleAttribute, [HasThis, 0x01, Void, String], [0x01, 0x00, (byte)moduleName.Length, .. System.Text.Encoding.ASCII.GetBytes(moduleName), 0x00, 0x00]);
        }

        var pe = new ManagedPEBuilder(PEHeaderBuilder.CreateLibraryHeader(), new MetadataRootBuilder(md), new BlobBuilder());
        var image = new BlobBuilder();
        pe.Serialize(image);
        return image.ToArray();

        void AddAttribute((string Namespace, string Name) type, byte[] signature, byte[] blob)
        {
            var reference = md.AddTypeReference(core, md.GetOrAddString(type.Namespace), md.GetOrAddString(type.Name));
            var constructor = md.AddMemberReference(reference, md.GetOrAddString(".ctor"), md.GetOrAddBlob(signature));
            md.AddCustomAttribute(EntityHandle.AssemblyDefinition, constructor, md.GetOrAddBlob(blob));
        }
    }
}
