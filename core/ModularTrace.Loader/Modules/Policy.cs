using ModularTrace.Signing;

namespace ModularTrace.Modules;

/// <summary>The host's module signature policy.</summary>
public enum Policy
{
    /// <summary>Unsigned modules and unknown keys are refused (<c>module.sig_enforce=1</c>).</summary>
    Enforce,

    /// <summary>Unsigned modules, unknown keys and unsupported crypto load with taint E, warned once.</summary>
    Permissive,

    /// <summary>Enforce, and no forcing and no key enrolment at run time (kernel lockdown).</summary>
    Lockdown,
}

/// <summary>What the policy decided for a signature status.</summary>
/// <param name="Loads">Whether loading goes on.</param>
/// <param name="Taint">Taint to add when it loads.</param>
public sealed record LoadDecision(bool Loads, Taint Taint)
{
    /// <summary>Load without taint.</summary>
    public static readonly LoadDecision Load = new(true, Taint.None);

    /// <summary>Load and taint.</summary>
    public static LoadDecision LoadTainted(Taint taint) => new(true, taint);

    /// <summary>Refuse.</summary>
    public static readonly LoadDecision Refuse = new(false, Taint.None);
}

/// <summary>The one place that maps a signature status and a policy to a decision (the kernel's <c>module_sig_check()</c>).</summary>
public static class LoadPolicy
{
    /// <summary>Decides. Three reasons are forgivable when not enforcing; everything else, blacklist included, is fatal.</summary>
    public static LoadDecision Decide(SignatureStatus status, Policy policy) => status switch
    {
        SignatureStatus.Valid => LoadDecision.Load,
        SignatureStatus.Unsigned or SignatureStatus.UnsupportedCrypto or SignatureStatus.UnknownKey
            when policy == Policy.Permissive => LoadDecision.LoadTainted(Taint.UnsignedModule),
        _ => LoadDecision.Refuse,
    };
}
