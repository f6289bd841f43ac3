using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace ModularTrace.Modules;

/// <summary>
/// Reads a <see cref="ModuleManifest"/> from an assembly's bytes with System.Reflection.Metadata: attributes are
/// decoded from their blobs, so no static constructor, module initializer or attribute constructor runs.
/// </summary>
public static class ModuleManifestReader
{
    private const string AttributeNamespace = "ModularTrace.Modules";

    /// <summary>Reads the manifest; returns null with a one-line reason when the bytes are not a trace module.</summary>
    public static ModuleManifest? TryRead(ReadOnlyMemory<byte> image, out string? error)
    {
        try
        {
            return Read(image, out error);
        }
        // What System.Reflection.Metadata throws for hostile images; OverflowException from stream headers with
        // huge sizes was found by fuzzing (tests/ModularTrace.Fuzz/crashes/manifest).
        catch (Exception ex) when (ex is BadImageFormatException or InvalidOperationException or ArgumentException or IndexOutOfRangeException
            or OverflowException or NotSupportedException)
        {
            error = $"not a readable .NET assembly: {ex.Message}";
            return null;
        }
    }

    private static ModuleManifest? Read(ReadOnlyMemory<byte> image, out string? error)
    {
        using var pe = new PEReader(ImmutableArray.Create(image.Span));
        if (!pe.HasMetadata)
        {
            error = "not a .NET assembly (no metadata)";
            return null;
        }

        var md = pe.GetMetadataReader();
        if (!md.IsAssembly)
        {
            error = "not a .NET assembly (no assembly manifest)";
            return null;
        }

        var assembly = md.GetAssemblyDefinition();
        string? name = null, entry = null, vermagic = null;
        string version = "0.0.0", license = "", author = "", description = "";
        var inTree = false;
        var hooks = ImmutableSortedDictionary.CreateBuilder<string, uint>(StringComparer.Ordinal);
        var exports = ImmutableArray.CreateBuilder<string>();
        var imports = ImmutableArray.CreateBuilder<string>();
        var provider = new TypeNameProvider();
        foreach (var handle in assembly.GetCustomAttributes())
        {
            var attribute = md.GetCustomAttribute(handle);
            var type = AttributeTypeName(md, attribute);
            if (type is null || !type.StartsWith(AttributeNamespace + ".", StringComparison.Ordinal))
            {
                continue;
            }

            if (ConstructorParameterCount(md, attribute) > MaxAttributeParameters)
            {
                error = $"not a readable .NET assembly: attribute {Text.DisplayText.Printable(type)} has a constructor with more than {MaxAttributeParameters} parameters";
                return null;
            }

            var value = attribute.DecodeValue(provider);
            switch (type[(AttributeNamespace.Length + 1)..])
            {
                case "TraceModuleAttribute":
                    name = value.FixedArguments[0].Value as string;
                    foreach (var named in value.NamedArguments)
                    {
                        switch (named.Name)
                        {
                            case "Version": version = Shown(named.Value) ?? version; break;
                            case "License": license = Shown(named.Value) ?? ""; break;
                            case "Author": author = Shown(named.Value) ?? ""; break;
                            case "Description": description = Shown(named.Value) ?? ""; break;
                            case "Entry": entry = TypeFullName(Shown(named.Value)); break;
                        }
                    }

                    break;
                case "ModuleVermagicAttribute":
                    vermagic = Shown(value.FixedArguments[0].Value);
                    break;
                case "ModuleHookVersionAttribute":
                    if (Shown(value.FixedArguments[0].Value) is { } hook && value.FixedArguments[1].Value is uint crc && !hooks.TryAdd(hook, crc))
                    {
                        error = $"hook '{hook}' appears twice in the module's __versions";
                        return null;
                    }

                    break;
                case "ModuleInTreeAttribute":
                    inTree = true;
                    break;
                case "ModuleExportAttribute":
                    exports.Add(Shown(value.FixedArguments[0].Value) ?? "");
                    break;
                case "ModuleImportAttribute":
                    imports.Add(Shown(value.FixedArguments[0].Value) ?? "");
                    break;
            }
        }

        if (string.IsNullOrEmpty(name))
        {
            error = "not a trace module (no [assembly: TraceModule(...)] attribute)";
            return null;
        }

        if (!IsModuleName(name))
        {
            // The name goes into every message about the module: no control characters, no path, no spaces.
            error = $"module name '{Text.DisplayText.Printable(name)}' is not valid (letters, digits, '_' and '-', at most {MaxNameLength} characters)";
            return null;
        }

        var assemblyName = md.GetString(assembly.Name);
        if (assemblyName.Length == 0)
        {
            error = "not a .NET assembly (the assembly manifest has no name)";
            return null;
        }

        var references = md.AssemblyReferences.Select(r => md.GetString(md.GetAssemblyReference(r).Name)).ToImmutableArray();
        error = null;
        return new ModuleManifest(
            name, version, license, author, description, vermagic ?? "", hooks.ToImmutable(), entry, inTree,
            exports.ToImmutable(), imports.ToImmutable(), assemblyName, assembly.Version, references);
    }

    // Every text but the name (validated on its own) reaches messages, modinfo and lsmod: vermagic and hook names in
    // refusals, which an unsigned module under permissive reaches too. Control characters become '?', so a crafted
    // image can neither forge a log line nor send escape sequences to a terminal.
    private static string? Shown(object? value) => value is string text ? Text.DisplayText.Printable(text, int.MaxValue) : null;

    // System.Reflection.Metadata sizes its result builders by counts read from the image (the constructor's
    // parameter count, an array argument's length) before it checks them against the blob, so a crafted count
    // asks for gigabytes (OutOfMemoryException, found by fuzzing: tests/ModularTrace.Fuzz/crashes/manifest/crash-3).
    // Module attributes take at most two arguments and never an array: anything else is refused before decoding.
    private const int MaxAttributeParameters = 2;

    private static int ConstructorParameterCount(MetadataReader md, CustomAttribute attribute)
    {
        var signature = attribute.Constructor.Kind switch
        {
            HandleKind.MemberReference => md.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Signature,
            HandleKind.MethodDefinition => md.GetMethodDefinition((MethodDefinitionHandle)attribute.Constructor).Signature,
            _ => default,
        };
        if (signature.IsNil)
        {
            return 0;
        }

        var reader = md.GetBlobReader(signature);
        reader.ReadSignatureHeader();
        return reader.ReadCompressedInteger();
    }

    private static string? AttributeTypeName(MetadataReader md, CustomAttribute attribute)
    {
        EntityHandle parent;
        switch (attribute.Constructor.Kind)
        {
            case HandleKind.MemberReference:
                parent = md.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent;
                break;
            case HandleKind.MethodDefinition:
                parent = md.GetMethodDefinition((MethodDefinitionHandle)attribute.Constructor).GetDeclaringType();
                break;
            default:
                return null;
        }

        return parent.Kind switch
        {
            HandleKind.TypeReference => Name(md.GetTypeReference((TypeReferenceHandle)parent).Namespace, md.GetTypeReference((TypeReferenceHandle)parent).Name),
            HandleKind.TypeDefinition => Name(md.GetTypeDefinition((TypeDefinitionHandle)parent).Namespace, md.GetTypeDefinition((TypeDefinitionHandle)parent).Name),
            _ => null,
        };

        string Name(StringHandle ns, StringHandle n) => md.GetString(ns) + "." + md.GetString(n);
    }

    /// <summary>The longest module name: the kernel's <c>MODULE_NAME_LEN</c> (56) less its NUL.</summary>
    public const int MaxNameLength = 55;

    /// <summary>Whether <paramref name="name"/> can name a module: 1 to <see cref="MaxNameLength"/> letters, digits, '_' or '-'.</summary>
    public static bool IsModuleName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxNameLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    // Serialized type names are assembly-qualified ("Ns.Type, Assembly, Version=..."); keep "Ns.Type".
    private static string? TypeFullName(string? serialized) => serialized?.Split(',')[0].Trim();

    private sealed class TypeNameProvider : ICustomAttributeTypeProvider<string>
    {
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();

        public string GetSystemType() => "System.Type";

        // Refused before System.Reflection.Metadata reads the array's length and allocates for it (see MaxAttributeParameters).
        public string GetSZArrayType(string elementType) =>
            throw new BadImageFormatException($"an attribute argument of type {Text.DisplayText.Printable(elementType)}[]; module attributes take no arrays");

        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            var definition = reader.GetTypeDefinition(handle);
            return reader.GetString(definition.Namespace) + "." + reader.GetString(definition.Name);
        }

        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var reference = reader.GetTypeReference(handle);
            return reader.GetString(reference.Namespace) + "." + reader.GetString(reference.Name);
        }

        public string GetTypeFromSerializedName(string name) => name;

        public PrimitiveTypeCode GetUnderlyingEnumType(string type) => PrimitiveTypeCode.Int32;

        public bool IsSystemType(string type) => type == "System.Type";
    }
}
