using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace ModularTrace.Signing;

/// <summary>A private signing key and its certificate, written the kernel's way: <c>signing_key.pem</c> + <c>signing_key.x509</c>.</summary>
/// <remarks>Owns <see cref="PrivateKey"/>; dispose it when done.</remarks>
public sealed class SigningKey : IDisposable
{
    /// <summary>Creates a pair from a private key and its certificate (the certificate holds no private key).</summary>
    public SigningKey(AsymmetricAlgorithm privateKey, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        ArgumentNullException.ThrowIfNull(certificate);
        PrivateKey = privateKey;
        Certificate = certificate;
    }

    /// <summary>The RSA or ECDSA private key.</summary>
    public AsymmetricAlgorithm PrivateKey { get; }

    /// <summary>The certificate (public part only).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The kernel's combined <c>signing_key.pem</c>: the PKCS#8 private key PEM followed by the certificate PEM.</summary>
    public string ToCombinedPem()
    {
        var key = PrivateKey switch
        {
            RSA rsa => rsa.ExportPkcs8PrivateKeyPem(),
            ECDsa ecdsa => ecdsa.ExportPkcs8PrivateKeyPem(),
            _ => throw new InvalidOperationException($"unsupported key type {PrivateKey.GetType().Name}"),
        };
        return key + "\n" + Certificate.ExportCertificatePem() + "\n";
    }

    /// <summary>
    /// Writes <paramref name="keyPath"/> (combined PEM, created with mode 0600 before any byte is written) and
    /// <paramref name="certificatePath"/> (DER). Each file is written beside its target and renamed into place.
    /// </summary>
    /// <exception cref="IOException">A target exists and <paramref name="overwrite"/> is false, or writing failed.</exception>
    public void Write(string keyPath, string certificatePath, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(keyPath);
        ArgumentNullException.ThrowIfNull(certificatePath);
        if (!overwrite)
        {
            foreach (var path in new[] { keyPath, certificatePath })
            {
                if (File.Exists(path))
                {
                    throw new IOException($"{path} already exists");
                }
            }
        }

        WriteAtomically(keyPath, Encoding.ASCII.GetBytes(ToCombinedPem()), privateFile: true);
        WriteAtomically(certificatePath, Certificate.RawData, privateFile: false);
    }

    /// <summary>Loads a pair from a private key file and a certificate file (which may be the same combined PEM).</summary>
    /// <exception cref="InvalidDataException">A file holds no usable key or certificate, or the two do not belong together.</exception>
    public static SigningKey Load(string keyPath, string certificatePath)
    {
        var key = PrivateKeyFile.Load(keyPath).Key;
        var certificate = CertificateFile.Load(certificatePath);
        using AsymmetricAlgorithm? publicKey = key is RSA ? certificate.GetRSAPublicKey() : certificate.GetECDsaPublicKey();
        if (publicKey is null || !publicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
        {
            key.Dispose();
            throw new InvalidDataException($"{keyPath}: the private key does not match the certificate in {certificatePath}");
        }

        return new SigningKey(key, certificate);
    }

    /// <inheritdoc />
    public void Dispose() => PrivateKey.Dispose();

    private static void WriteAtomically(string path, byte[] bytes, bool privateFile)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (privateFile && !OperatingSystem.IsWindows())
        {
            // The mode is set at creation, so the key is never readable by others, not even for a moment.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
