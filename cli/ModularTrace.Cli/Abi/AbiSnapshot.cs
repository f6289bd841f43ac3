using ModularTrace.Events;
using ModularTrace.Hooks;

namespace ModularTrace.Abi;

/// <summary>
/// What a host offers to tools at one moment: its hooks (symvers), the loaded modules and every event's format.
/// Saved as JSON (<c>mtrace events --json</c>), compared by <see cref="AbiDiff"/>.
/// </summary>
/// <param name="Source">What was captured (<c>pack:debian</c>, a file, ...).</param>
/// <param name="Profile">The host profile.</param>
/// <param name="Vermagic">The host's vermagic.</param>
/// <param name="BuiltBy">The version (and git commit) of the ModularTrace that captured it.</param>
/// <param name="Hooks">The hooks, sorted by name.</param>
/// <param name="Modules">The loaded modules.</param>
/// <param name="Events">The events, sorted by system:name.</param>
public sealed record AbiSnapshot(
    string Source,
    string Profile,
    string Vermagic,
    string BuiltBy,
    IReadOnlyList<AbiHook> Hooks,
    IReadOnlyList<AbiModule> Modules,
    IReadOnlyList<AbiEvent> Events)
{
    /// <summary>Captures a host.</summary>
    public static AbiSnapshot Capture(string source, string profile, string vermagic, HookRegistry hooks, IEnumerable<AbiModule> modules, TraceSession session)
    {
        ArgumentNullException.ThrowIfNull(hooks);
        ArgumentNullException.ThrowIfNull(session);
        return new AbiSnapshot(
            source,
            profile,
            vermagic,
            ModularTrace.Modules.VerMagic.Host,
            [.. hooks.Hooks.Select(h => new AbiHook(h.Name, h.Signature.CrcText, h.Signature.Prototype))],
            [.. modules],
            [.. session.Events.Select(e => new AbiEvent(
                e.System,
                e.Name,
                e.Owner?.ToString(),
                [.. e.Class.Layout.Fields.Select(f => new AbiField(f.Name, f.Declaration, f.Offset, f.Size, f.IsSigned))],
                e.Class.Print.KernelText))]);
    }
}

/// <summary>A hook in a snapshot.</summary>
/// <param name="Name">The hook name.</param>
/// <param name="Crc">Its CRC as symvers prints it.</param>
/// <param name="Prototype">Its prototype.</param>
public sealed record AbiHook(string Name, string Crc, string Prototype);

/// <summary>A loaded module in a snapshot.</summary>
/// <param name="Name">The module name.</param>
/// <param name="Version">Its version.</param>
/// <param name="Vermagic">The vermagic it was built for.</param>
/// <param name="Signer">Who signed it, or null.</param>
public sealed record AbiModule(string Name, string Version, string Vermagic, string? Signer);

/// <summary>An event's format in a snapshot.</summary>
/// <param name="System">The system.</param>
/// <param name="Name">The event name.</param>
/// <param name="Module">The module that defines it, or null.</param>
/// <param name="Fields">Its own fields (common fields excluded: they are the same everywhere).</param>
/// <param name="PrintFormat">The kernel-style print fmt.</param>
public sealed record AbiEvent(string System, string Name, string? Module, IReadOnlyList<AbiField> Fields, string PrintFormat)
{
    /// <summary><c>system:name</c>.</summary>
    public string FullName => System + ":" + Name;
}

/// <summary>A field of an event in a snapshot, as its format file line says.</summary>
/// <param name="Name">The field name.</param>
/// <param name="Declaration">Its C declaration (<c>char prev_comm[16]</c>).</param>
/// <param name="Offset">Its offset.</param>
/// <param name="Size">Its size.</param>
/// <param name="IsSigned">Whether it is signed.</param>
public sealed record AbiField(string Name, string Declaration, int Offset, int Size, bool IsSigned);
