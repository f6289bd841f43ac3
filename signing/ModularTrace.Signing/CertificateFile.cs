using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace ModularTrace.Signing;

/// <summary>Reads X.509 certificates in DER or PEM, as sign-file's <c>read_x509()</c> does (DER first, then PEM).</summary>
public static class CertificateFile
{
    /// <summary>The largest certificate file read: 1 MiB (a kernel signing certificate is about 1-2 KiB).</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>Reads the certificate in <paramref name="path"/>; a PEM file may hold other blocks (a private key) before it.</summary>
    /// <exception cref="InvalidDataException">The file holds no certificate; the message names the file.</exception>
    public static X509Certificate2 Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = RegularFile.ReadAllBytes(path, MaxBytes, "certificate size limit");
        }
        catch (RegularFileException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }

        try
        {
            return Parse(bytes);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>Parses a DER certificate, or the first <c>CERTIFICATE</c> block of PEM text.</summary>
    /// <exception cref="InvalidDataException">The bytes hold no certificate.</exception>
    public static X509Certificate2 Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 0 && bytes[0] == 0x30)
        {
            try
            {
                return X509CertificateLoader.LoadCertificate(bytes);
            }
            catch (CryptographicException ex)
            {
                throw new InvalidDataException("not a valid DER X.509 certificate: " + KernelPkcs7.OneLine(ex.Message), ex);
            }
        }

        var text = Encoding.ASCII.GetString(bytes);
        foreach (var (label, der) in Pem.Blocks(text))
        {
            if (label == "CERTIFICATE")
            {
                try
                {
                    return X509CertificateLoader.LoadCertificate(der);
                }
                catch (CryptographicException ex)
                {
                    throw new InvalidDataException("the PEM CERTIFICATE block is not a valid certificate: " + KernelPkcs7.OneLine(ex.Message), ex);
                }
            }
        }

        throw new InvalidDataException("no X.509 certificate (DER, or PEM with a CERTIFICATE block)");
    }

    /// <summary>SHA-256 of the certificate's DER, lower-case hex: the form the blacklist uses.</summary>
    public static string Sha256Hex(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));
    }

    /// <summary>SHA-256 of the certificate's SubjectPublicKeyInfo DER, lower-case hex: every certificate for the same key has it (the blacklist's <c>key:</c>).</summary>
    public static string PublicKeySha256Hex(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexStringLower(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>
    /// SHA-256 of the certificate's TBSCertificate (the signed part), lower-case hex, as the kernel's blacklist <c>tbs:</c>
    /// entries: every re-encoding of the same signed certificate has it. Null when the DER cannot be split.
    /// </summary>
    public static string? SignedPartSha256Hex(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        try
        {
            var tbs = new System.Formats.Asn1.AsnReader(certificate.RawData, System.Formats.Asn1.AsnEncodingRules.BER).ReadSequence().ReadEncodedValue();
            return Convert.ToHexStringLower(SHA256.HashData(tbs.Span));
        }
        catch (System.Formats.Asn1.AsnContentException)
        {
            return null;
        }
    }

    /// <summary>
    /// The certificate's validity period in one line, e.g. <c>2026-12-01T20:00:00Z to 2126-11-07T20:00:00Z (not checked)</c>,
    /// with <c>expired</c> or <c>not yet valid</c> when <paramref name="now"/> is outside it. Like the kernel, the loader
    /// does not check these dates: a module signing key is trusted for as long as it is in a keyring and not blacklisted.
    /// </summary>
    public static string Validity(X509Certificate2 certificate, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var from = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        var to = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        var state = now > to ? "expired, not checked" : now < from ? "not yet valid, not checked" : "not checked";
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{from:yyyy-MM-ddTHH:mm:ssZ} to {to:yyyy-MM-ddTHH:mm:ssZ} ({state})");
    }

    /// <summary>The certificate's subject common name, or the whole subject when it has none.</summary>
    public static string CommonName(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return string.IsNullOrEmpty(name) ? certificate.Subject : name;
    }
}
