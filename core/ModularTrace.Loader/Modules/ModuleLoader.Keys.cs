using System.Security.Cryptography.X509Certificates;
using ModularTrace.Signing;

namespace ModularTrace.Modules;

public sealed partial class ModuleLoader
{
    /// <summary>
    /// Enrols a certificate into the machine keyring at run time, as MOK does: only with the owner's confirmation, never
    /// under lockdown. Serialised with loads, since <see cref="Signing.Keyrings"/> is not thread-safe.
    /// </summary>
    /// <param name="certificate">The certificate.</param>
    /// <param name="confirmed">Whether the machine owner confirmed this certificate (the caller asked them).</param>
    public KeyringUpdate EnrollMachineKey(X509Certificate2 certificate, bool confirmed)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        lock (_gate)
        {
            var update = Keyrings.Enroll(certificate, _ => confirmed);
            Write($"keys: {update.Reason}");
            return update;
        }
    }

    /// <summary>The trusted certificates with their keyrings, read under the loader's lock.</summary>
    public IReadOnlyList<(KeyringKind Keyring, X509Certificate2 Certificate)> TrustedKeys()
    {
        lock (_gate)
        {
            return [.. Keyrings.All];
        }
    }
}
