using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ModularTrace.Signing;

/// <summary>
/// Makes a self-signed module signing key the way the kernel's <c>certs/x509.genkey</c> does: SHA-512
/// self-signature, <c>basicConstraints=critical,CA:FALSE</c>, <c>keyUsage=critical,digitalSignature</c>,
/// <c>extendedKeyUsage=codeSigning</c>, subject and authority key identifiers, a 100-year validity.
/// </summary>
public static class KeyGenerator
{
    /// <summary>Generates a key pair and its self-signed certificate.</summary>
    /// <exception cref="ArgumentException">The options are out of range (RSA below 2048 bits, empty subject).</exception>
    public static SigningKey Generate(KeyGenerationOptions? options = null)
    {
        options ??= new KeyGenerationOptions();
        if (string.IsNullOrWhiteSpace(options.Subject))
        {
            throw new ArgumentException("the subject must not be empty", nameof(options));
        }

        if (options.Algorithm == SigningKeyAlgorithm.Rsa && options.RsaKeySize is < 2048 or > 16384)
        {
            throw new ArgumentException($"RSA key size {options.RsaKeySize} is out of range (2048-16384)", nameof(options));
        }

        // The builder encodes in reverse order of the calls: this yields DER "O=..., CN=...", as x509.genkey does.
        var name = new X500DistinguishedNameBuilder();
        name.AddCommonName(options.Subject);
        name.AddOrganizationName(options.Organization);
        AsymmetricAlgorithm key = options.Algorithm switch
        {
            SigningKeyAlgorithm.Rsa => RSA.Create(options.RsaKeySize),
            SigningKeyAlgorithm.EcdsaP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
            SigningKeyAlgorithm.EcdsaP384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
            _ => throw new ArgumentException($"unknown algorithm {options.Algorithm}", nameof(options)),
        };

        try
        {
            var request = key is RSA rsa
                ? new CertificateRequest(name.Build(), rsa, HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1)
                : new CertificateRequest(name.Build(), (ECDsa)key, HashAlgorithmName.SHA512);
            var ski = new X509SubjectKeyIdentifierExtension(request.PublicKey, X509SubjectKeyIdentifierHashAlgorithm.Sha1, critical: false);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.3", "Code Signing")], critical: false));
            request.CertificateExtensions.Add(ski);
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski));

            var notBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
            using var withKey = request.CreateSelfSigned(notBefore, notBefore + options.Validity);
            return new SigningKey(key, X509CertificateLoader.LoadCertificate(withKey.RawData));
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }
}
