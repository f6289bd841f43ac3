namespace ModularTrace.Modules;

/// <summary>Host taint flags, with the kernel's letters (REFERENCE.md §8). Sticky until the host exits.</summary>
[Flags]
public enum Taint
{
    /// <summary>Not tainted.</summary>
    None = 0,
    /// <summary>P: a module with a non-free license was loaded.</summary>
    Proprietary = 1 << 0,
    /// <summary>F: a module was force-loaded (vermagic or CRC check skipped).</summary>
    ForcedModule = 1 << 1,
    /// <summary>W: the host warned.</summary>
    Warning = 1 << 2,
    /// <summary>O: an out-of-tree module was loaded.</summary>
    OutOfTree = 1 << 3,
    /// <summary>E: an unsigned (or unverifiable) module was loaded.</summary>
    UnsignedModule = 1 << 4,
    /// <summary>Q: a module's probe threw and was detached (ModularTrace's own letter; the kernel has none).</summary>
    ProbeFault = 1 << 5,
}

/// <summary>Taint letters and the host's sticky taint set.</summary>
public sealed class TaintSet
{
    private static readonly (Taint Flag, char Letter)[] s_letters =
    [
        (Taint.Proprietary, 'P'), (Taint.ForcedModule, 'F'), (Taint.Warning, 'W'),
        (Taint.OutOfTree, 'O'), (Taint.UnsignedModule, 'E'), (Taint.ProbeFault, 'Q'),
    ];

    private int _flags;

    /// <summary>The current flags.</summary>
    public Taint Flags => (Taint)Volatile.Read(ref _flags);

    /// <summary>Adds flags (never removed); returns the flags that were new.</summary>
    public Taint Add(Taint taint)
    {
        var before = (Taint)Interlocked.Or(ref _flags, (int)taint);
        return taint & ~before;
    }

    /// <summary>The letters of a taint value, in the kernel's order; empty when none.</summary>
    public static string Letters(Taint taint) => new([.. s_letters.Where(l => (taint & l.Flag) != 0).Select(l => l.Letter)]);

    /// <summary>The bitmask, as <c>/proc/sys/kernel/tainted</c> shows it.</summary>
    public int Mask => Volatile.Read(ref _flags);

    /// <inheritdoc />
    public override string ToString() => Letters(Flags) is { Length: > 0 } letters ? letters : "not tainted";
}
