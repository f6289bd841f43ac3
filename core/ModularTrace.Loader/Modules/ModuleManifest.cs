using System.Collections.Immutable;

namespace ModularTrace.Modules;

/// <summary>A module's modinfo, read from its metadata without running any of its code.</summary>
/// <param name="Name">The module name.</param>
/// <param name="Version">The module version.</param>
/// <param name="License">The license.</param>
/// <param name="Author">The author.</param>
/// <param name="Description">The description.</param>
/// <param name="Vermagic">The vermagic it was built for (empty when modpost did not run).</param>
/// <param name="Hooks">The hooks it uses with the CRCs it was built against, sorted by name.</param>
/// <param name="EntryType">The entry type's full name, or null.</param>
/// <param name="InTree">Whether it was built in the host's tree.</param>
/// <param name="Exports">Exported service type names (assembly-qualified as serialized).</param>
/// <param name="Imports">Imported service type names.</param>
/// <param name="AssemblyName">The assembly's simple name.</param>
/// <param name="AssemblyVersion">The assembly version.</param>
/// <param name="References">Names of the assemblies it references.</param>
public sealed record ModuleManifest(
    string Name,
    string Version,
    string License,
    string Author,
    string Description,
    string Vermagic,
    ImmutableSortedDictionary<string, uint> Hooks,
    string? EntryType,
    bool InTree,
    ImmutableArray<string> Exports,
    ImmutableArray<string> Imports,
    string AssemblyName,
    Version AssemblyVersion,
    ImmutableArray<string> References);
