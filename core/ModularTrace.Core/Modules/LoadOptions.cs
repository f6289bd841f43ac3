namespace ModularTrace.Modules;

/// <summary>Per-load switches (modprobe's <c>--force-vermagic</c> and <c>--force-modversion</c>).</summary>
public sealed record LoadOptions
{
    /// <summary>Load despite a vermagic mismatch: taints F and drops the signature's trust.</summary>
    public bool ForceVermagic { get; init; }

    /// <summary>Load despite hook CRC mismatches: taints F and drops the signature's trust.</summary>
    public bool ForceModversion { get; init; }

    /// <summary>Whether any forcing was asked for.</summary>
    public bool IsForced => ForceVermagic || ForceModversion;
}
