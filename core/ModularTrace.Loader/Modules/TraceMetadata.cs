using System.Globalization;

namespace ModularTrace.Modules;

/// <summary>
/// The key/value lines a trace is written with (the text header's and the CTF environment's): who traced, under which
/// policy and taints, with which modules. One copy for the CLI's run and a live host's trace over the socket.
/// </summary>
internal static class TraceMetadata
{
    /// <summary>The loader's part, sorted by key (ordinal); callers add their own (host_profile, host_pid, dynamic_events).</summary>
    public static SortedDictionary<string, string> Of(ModuleLoader loader)
    {
        ArgumentNullException.ThrowIfNull(loader);
        return new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host_policy"] = loader.Policy.ToString().ToLowerInvariant(),
            ["host_taints"] = loader.Taints.ToString(),
            ["host_tainted_mask"] = loader.Taints.Mask.ToString(CultureInfo.InvariantCulture),
            ["host_vermagic"] = loader.HostVermagic,
            ["modules"] = string.Join(" ", loader.Modules.Select(m => $"{m.Name}@{m.Manifest.Version}" + (m.Taints == Taint.None ? "" : $"({TaintSet.Letters(m.Taints)})"))),
            ["tracer_name"] = "mtrace",
        };
    }
}
