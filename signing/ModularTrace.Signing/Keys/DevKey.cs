namespace ModularTrace.Signing;

/// <summary>Where the development key pair lives, and whether this call made it.</summary>
/// <param name="KeyPath">The combined private key + certificate PEM (<c>signing_key.pem</c>, mode 0600).</param>
/// <param name="CertificatePath">The certificate, DER (<c>signing_key.x509</c>).</param>
/// <param name="Generated">Whether <see cref="DevKey.EnsureExists"/> generated the pair now.</param>
public sealed record DevKeyFiles(string KeyPath, string CertificatePath, bool Generated);

/// <summary>The development signing key: generated once into a keys directory, then reused (the kernel's <c>certs/signing_key.pem</c>).</summary>
public static class DevKey
{
    /// <summary>The private key file name (the kernel's).</summary>
    public const string KeyFileName = "signing_key.pem";

    /// <summary>The certificate file name (the kernel's).</summary>
    public const string CertificateFileName = "signing_key.x509";

    /// <summary>
    /// Returns the key pair in <paramref name="keysDirectory"/>, generating it (with <paramref name="options"/>, RSA-4096
    /// by default) only when the private key is missing. A missing certificate is re-extracted from the combined PEM.
    /// </summary>
    public static DevKeyFiles EnsureExists(string keysDirectory, KeyGenerationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(keysDirectory);
        var keyPath = Path.Combine(keysDirectory, KeyFileName);
        var certificatePath = Path.Combine(keysDirectory, CertificateFileName);
        if (File.Exists(keyPath))
        {
            if (!File.Exists(certificatePath))
            {
                using var existing = SigningKey.Load(keyPath, keyPath);
                File.WriteAllBytes(certificatePath, existing.Certificate.RawData);
            }

            return new DevKeyFiles(keyPath, certificatePath, Generated: false);
        }

        using var key = KeyGenerator.Generate(options);
        key.Write(keyPath, certificatePath, overwrite: true);
        return new DevKeyFiles(keyPath, certificatePath, Generated: true);
    }
}
