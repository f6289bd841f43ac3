using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ModularTrace.Signing;

/// <summary>
/// Checks that one certificate's signature was made by another's key: the kernel's
/// <c>restrict_link_by_signature</c>. Done by hand because .NET's chain builder insists on CA certificates and
/// a system trust store, and a kernel signing key is neither.
/// </summary>
internal static class CertificateSignature
{
    private static readonly Dictionary<string, (bool Rsa, HashAlgorithmName Hash)> s_algorithms = new(StringComparer.Ordinal)
    {
        ["1.2.840.113549.1.1.11"] = (true, HashAlgorithmName.SHA256),
        ["1.2.840.113549.1.1.12"] = (true, HashAlgorithmName.SHA384),
        ["1.2.840.113549.1.1.13"] = (true, HashAlgorithmName.SHA512),
        ["1.2.840.10045.4.3.2"] = (false, HashAlgorithmName.SHA256),
        ["1.2.840.10045.4.3.3"] = (false, HashAlgorithmName.SHA384),
        ["1.2.840.10045.4.3.4"] = (false, HashAlgorithmName.SHA512),
    };

    public static bool IsSignedBy(X509Certificate2 subject, X509Certificate2 issuer)
    {
        if (!subject.IssuerName.RawData.AsSpan().SequenceEqual(issuer.SubjectName.RawData))
        {
            return false;
        }

        try
        {
            var certificate = new AsnReader(subject.RawData, AsnEncodingRules.DER).ReadSequence();
            var tbs = certificate.ReadEncodedValue();
            var algorithm = certificate.ReadSequence().ReadObjectIdentifier();
            var signature = certificate.ReadBitString(out var unused);
            if (unused != 0 || !s_algorithms.TryGetValue(algorithm, out var kind))
            {
                return false;
            }

            if (kind.Rsa)
            {
                using var rsa = issuer.GetRSAPublicKey();
                return rsa is not null && rsa.VerifyData(tbs.Span, signature, kind.Hash, RSASignaturePadding.Pkcs1);
            }

            using var ecdsa = issuer.GetECDsaPublicKey();
            return ecdsa is not null && ecdsa.VerifyData(tbs.Span, signature, kind.Hash, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (Exception ex) when (ex is AsnContentException or CryptographicException)
        {
            return false;
        }
    }
}
