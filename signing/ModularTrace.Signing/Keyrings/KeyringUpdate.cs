namespace ModularTrace.Signing;

/// <summary>What happened to a request to add a certificate to a keyring.</summary>
public enum KeyringUpdateStatus
{
    /// <summary>The certificate was added.</summary>
    Added,

    /// <summary>The keyring already held the certificate; nothing changed.</summary>
    AlreadyPresent,

    /// <summary>Secondary keyring: no builtin or secondary key signed the certificate.</summary>
    NotVouched,

    /// <summary>Machine keyring: the owner did not confirm the enrolment.</summary>
    NotConfirmed,

    /// <summary>The keyrings are locked down: no key may be added at run time.</summary>
    Locked,

    /// <summary>The certificate is on the blacklist.</summary>
    Blacklisted,
}

/// <summary>The outcome of <see cref="Keyrings.AddSecondary"/> or <see cref="Keyrings.Enroll"/>, with a one-line reason.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Reason">One line saying why.</param>
public sealed record KeyringUpdate(KeyringUpdateStatus Status, string Reason)
{
    /// <summary>Whether the keyring now holds the certificate (added now or before).</summary>
    public bool Succeeded => Status is KeyringUpdateStatus.Added or KeyringUpdateStatus.AlreadyPresent;
}
