using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace ModularTrace.Signing;

/// <summary>
/// Signs modules as the kernel's <c>scripts/sign-file</c> does: a detached CMS SignedData with no certificates and
/// no signed attributes (<c>CMS_NOCERTS | CMS_BINARY | CMS_DETACHED</c>, <c>CMS_NOATTR</c>), the signer named by
/// issuer+serial or (<c>-k</c>) subject key identifier, appended with the 12-byte info block and the marker.
/// </summary>
public static class ModuleSigner
{
    /// <summary>The hash names <see cref="Sign"/> accepts.</summary>
    public static IReadOnlyList<string> HashAlgorithms => ModuleHash.Names;

    /// <summary>
    /// Returns <paramref name="module"/> with a signature appended. A signature already there is removed first, so
    /// re-signing replaces it (sign-file would sign over it and stack a second one).
    /// </summary>
    /// <param name="module">The module file's bytes, signed or not.</param>
    /// <param name="privateKey">An RSA or ECDSA private key matching <paramref name="certificate"/>.</param>
    /// <param name="certificate">The signer's certificate; it is named in the signature, never embedded.</param>
    /// <param name="hashAlgorithm"><c>sha256</c>, <c>sha384</c> or <c>sha512</c>.</param>
    /// <param name="useSubjectKeyId">Name the signer by subject key identifier (sign-file <c>-k</c>) instead of issuer+serial.</param>
    /// <exception cref="ArgumentException">Unsupported hash, empty module, or a key that does not match the certificate.</exception>
    /// <exception cref="InvalidDataException">The module ends with a signature marker but its trailer is malformed, so it cannot be stripped safely.</exception>
    public static byte[] Sign(ReadOnlySpan<byte> module, AsymmetricAlgorithm privateKey, X509Certificate2 certificate, string hashAlgorithm, bool useSubjectKeyId = false)
    {
        var payload = StripSignature(module.ToArray());
        return AppendedSignature.Append(payload.Span, DetachedSignature(payload.Span, privateKey, certificate, hashAlgorithm, useSubjectKeyId));
    }

    /// <summary>The PKCS#7 message alone for <paramref name="payload"/> (sign-file <c>-d</c> writes it to <c>&lt;module&gt;.p7s</c>).</summary>
    /// <exception cref="ArgumentException">Unsupported hash, empty payload, or a key that does not match the certificate.</exception>
    public static byte[] DetachedSignature(ReadOnlySpan<byte> payload, AsymmetricAlgorithm privateKey, X509Certificate2 certificate, string hashAlgorithm, bool useSubjectKeyId = false)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(hashAlgorithm);
        if (!ModuleHash.TryGet(hashAlgorithm, out _, out var digestOid))
        {
            throw new ArgumentException($"unsupported hash algorithm '{hashAlgorithm}' (use {string.Join(", ", ModuleHash.Names)})", nameof(hashAlgorithm));
        }

        if (payload.IsEmpty)
        {
            throw new ArgumentException("the module is empty; there is nothing to sign", nameof(payload));
        }

        if (privateKey is not (RSA or ECDsa))
        {
            throw new ArgumentException($"unsupported key type {privateKey.GetType().Name} (RSA or ECDSA)", nameof(privateKey));
        }

        if (!KeyMatches(privateKey, certificate))
        {
            // OpenSSL's CMS_add1_signer refuses the same way: "private key does not match signer certificate".
            throw new ArgumentException($"the private key does not match the certificate '{certificate.Subject}'", nameof(privateKey));
        }

        var signer = new CmsSigner(
            useSubjectKeyId ? SubjectIdentifierType.SubjectKeyIdentifier : SubjectIdentifierType.IssuerAndSerialNumber,
            certificate,
            privateKey)
        {
            DigestAlgorithm = new Oid(digestOid),
            IncludeOption = X509IncludeOption.None,
        };

        // No signed attributes: the signature covers the content digest directly, like CMS_NOATTR.
        var cms = new SignedCms(new ContentInfo(payload.ToArray()), detached: true);
        cms.ComputeSignature(signer, silent: true);
        return SignFileDer.WithRsaNullParameters(cms.Encode());
    }

    /// <summary>
    /// The module without its appended signature: the payload of a well-formed trailer, or the bytes unchanged when
    /// there is no marker.
    /// </summary>
    /// <exception cref="InvalidDataException">The file ends with the marker but the trailer is malformed.</exception>
    public static ReadOnlyMemory<byte> StripSignature(ReadOnlyMemory<byte> module)
    {
        if (AppendedSignature.TryParse(module, out var signature, out var failure, out var reason))
        {
            return AppendedSignature.HasMarker(signature.Payload.Span)
                ? throw new InvalidDataException("the module carries two signatures, one inside the other (stacked signatures are refused): rebuild it from its unsigned file")
                : signature.Payload;
        }

        return failure == SignatureStatus.Unsigned
            ? module
            : throw new InvalidDataException($"the module already carries a signature that cannot be removed safely: {reason}");
    }

    private static bool KeyMatches(AsymmetricAlgorithm privateKey, X509Certificate2 certificate)
    {
        try
        {
            using AsymmetricAlgorithm? publicKey = privateKey is RSA ? certificate.GetRSAPublicKey() : certificate.GetECDsaPublicKey();
            return publicKey is not null
                && publicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(privateKey.ExportSubjectPublicKeyInfo());
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
