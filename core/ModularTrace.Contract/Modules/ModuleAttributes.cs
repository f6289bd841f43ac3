namespace ModularTrace.Modules;

/// <summary>Marks an assembly as a trace module and gives its modinfo fields. Read from metadata; no module code runs.</summary>
/// <param name="name">The module name (what lsmod, rmmod and messages use).</param>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class TraceModuleAttribute(string name) : Attribute
{
    /// <summary>The module name.</summary>
    public string Name { get; } = name;

    /// <summary>The module version, e.g. <c>1.2.0</c>.</summary>
    public string Version { get; init; } = "0.0.0";

    /// <summary>The license, e.g. <c>GPL-2.0</c> or <c>MIT</c>.</summary>
    public string License { get; init; } = "";

    /// <summary>The author.</summary>
    public string Author { get; init; } = "";

    /// <summary>One line of description.</summary>
    public string Description { get; init; } = "";

    /// <summary>The entry type, implementing <see cref="ITraceModule"/>.</summary>
    public Type? Entry { get; init; }
}

/// <summary>The vermagic the module was built for (written by modpost at build time).</summary>
/// <param name="vermagic">The host's vermagic string.</param>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class ModuleVermagicAttribute(string vermagic) : Attribute
{
    /// <summary>The vermagic string.</summary>
    public string Vermagic { get; } = vermagic;
}

/// <summary>A hook the module uses, with the CRC it was built against (the kernel's <c>__versions</c>; written by modpost).</summary>
/// <param name="hook">The hook name.</param>
/// <param name="crc">The CRC from the host's symvers at build time.</param>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class ModuleHookVersionAttribute(string hook, uint crc) : Attribute
{
    /// <summary>The hook name.</summary>
    public string Hook { get; } = hook;

    /// <summary>The CRC it was built against.</summary>
    public uint Crc { get; } = crc;
}

/// <summary>Marks a module built in the host's own tree (the kernel's <c>intree</c> modinfo); others taint the host O.</summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class ModuleInTreeAttribute : Attribute
{
}

/// <summary>A service the module exports to other modules (EXPORT_SYMBOL): registered by the module, resolved by importers.</summary>
/// <param name="service">The shared service type.</param>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class ModuleExportAttribute(Type service) : Attribute
{
    /// <summary>The exported service type.</summary>
    public Type Service { get; } = service;
}

/// <summary>A service the module needs from another module; the loader refuses the module while no module exports it.</summary>
/// <param name="service">The service type.</param>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class ModuleImportAttribute(Type service) : Attribute
{
    /// <summary>The imported service type.</summary>
    public Type Service { get; } = service;
}
