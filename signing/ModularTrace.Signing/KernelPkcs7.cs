using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using System.Globalization;
using System.Security.Cryptography;

namespace ModularTrace.Signing;

/// <summary>
/// A strict DER reader for the one PKCS#7 shape the kernel's sign-file writes: SignedData, detached, no certificates,
/// no CRLs, exactly one signer, no signed or unsigned attributes. Runs before <c>SignedCms</c>, which accepts BER,
/// ignores trailing bytes and trusts embedded certificates (NOTES-DOTNET §1).
/// </summary>
internal static class KernelPkcs7
{
    private const string SignedDataOid = "1.2.840.113549.1.7.2";
    private const string DataOid = "1.2.840.113549.1.7.1";

    private static readonly Asn1Tag s_context0 = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag s_context1 = new(TagClass.ContextSpecific, 1, isConstructed: true);
    private static readonly Asn1Tag s_context0Primitive = new(TagClass.ContextSpecific, 0);

    private static readonly Dictionary<string, string> s_digests = new(StringComparer.Ordinal)
    {
        ["2.16.840.1.101.3.4.2.1"] = "sha256",
        ["2.16.840.1.101.3.4.2.2"] = "sha384",
        ["2.16.840.1.101.3.4.2.3"] = "sha512",
    };

    // Signature algorithm OID -> (key type, digest it implies or null).
    private static readonly Dictionary<string, (string Key, string? Digest)> s_signatures = new(StringComparer.Ordinal)
    {
        ["1.2.840.113549.1.1.1"] = ("rsa", null),
        ["1.2.840.113549.1.1.11"] = ("rsa", "sha256"),
        ["1.2.840.113549.1.1.12"] = ("rsa", "sha384"),
        ["1.2.840.113549.1.1.13"] = ("rsa", "sha512"),
        ["1.2.840.10045.2.1"] = ("ecdsa", null),
        ["1.2.840.10045.4.3.2"] = ("ecdsa", "sha256"),
        ["1.2.840.10045.4.3.3"] = ("ecdsa", "sha384"),
        ["1.2.840.10045.4.3.4"] = ("ecdsa", "sha512"),
    };

    /// <summary>Checks the message's shape; on failure returns Malformed or UnsupportedCrypto with a one-line reason.</summary>
    public static bool TryRead(ReadOnlyMemory<byte> der, [NotNullWhen(true)] out Pkcs7Signer? signer, out SignatureStatus failure, out string reason)
    {
        signer = null;
        failure = SignatureStatus.Malformed;
        if (!CheckOuterLength(der.Span, out reason))
        {
            return false;
        }

        string digestOid, signatureOid;
        byte[]? issuer = null, serial = null, ski = null;
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var contentInfo = reader.ReadSequence();
            var contentType = contentInfo.ReadObjectIdentifier();
            if (contentType != SignedDataOid)
            {
                reason = $"PKCS#7 content type {contentType} is not SignedData";
                return false;
            }

            var wrapper = contentInfo.ReadSequence(s_context0);
            contentInfo.ThrowIfNotEmpty();
            var signedData = wrapper.ReadSequence();
            wrapper.ThrowIfNotEmpty();

            // Versions and the digestAlgorithms set are checked exactly (RFC 5652 §5.1, §5.3): SignedCms ignores
            // them, and a field nobody checks is a byte an attacker may change without the signature noticing.
            var signedDataVersion = signedData.ReadInteger();
            var digestAlgorithms = signedData.ReadSetOf();
            var listedDigests = new List<string>();
            while (digestAlgorithms.HasData)
            {
                if (!TryReadAlgorithm(digestAlgorithms, out var listed, out reason))
                {
                    return false;
                }

                listedDigests.Add(listed);
            }

            var encapsulated = signedData.ReadSequence();
            var encapsulatedType = encapsulated.ReadObjectIdentifier();
            if (encapsulated.HasData)
            {
                reason = "PKCS#7 message embeds the content; a module signature must be detached";
                return false;
            }

            if (encapsulatedType != DataOid)
            {
                reason = $"PKCS#7 encapsulated content type {encapsulatedType} is not data";
                return false;
            }

            if (signedData.HasData && signedData.PeekTag().HasSameClassAndValue(s_context0))
            {
                var certificates = signedData.ReadSetOf(s_context0);
                var count = 0;
                while (certificates.HasData)
                {
                    _ = certificates.ReadEncodedValue();
                    count++;
                }

                reason = count == 1
                    ? "PKCS#7 message embeds a certificate; the signer must come from a keyring"
                    : $"PKCS#7 message embeds {count} certificates; the signer must come from a keyring";
                return false;
            }

            if (signedData.HasData && signedData.PeekTag().HasSameClassAndValue(s_context1))
            {
                reason = "PKCS#7 message carries revocation lists";
                return false;
            }

            var signerInfos = signedData.ReadSetOf();
            signedData.ThrowIfNotEmpty();
            var signers = new List<AsnReader>();
            while (signerInfos.HasData)
            {
                signers.Add(signerInfos.ReadSequence());
            }

            if (signers.Count != 1)
            {
                reason = signers.Count == 0 ? "PKCS#7 message has no signer" : $"PKCS#7 message has {signers.Count} signers, expected 1";
                return false;
            }

            var info = signers[0];
            var signerVersion = info.ReadInteger();
            var sidTag = info.PeekTag();
            if (sidTag.HasSameClassAndValue(Asn1Tag.Sequence))
            {
                var issuerAndSerial = info.ReadSequence();
                issuer = issuerAndSerial.ReadEncodedValue().ToArray();
                serial = issuerAndSerial.ReadIntegerBytes().ToArray();
                issuerAndSerial.ThrowIfNotEmpty();
            }
            else if (sidTag.HasSameClassAndValue(s_context0Primitive))
            {
                ski = info.ReadOctetString(s_context0Primitive);
            }
            else
            {
                reason = "PKCS#7 signer identifier is neither issuer+serial nor a subject key identifier";
                return false;
            }

            var expectedVersion = ski is null ? 1 : 3;
            if (signerVersion != expectedVersion || signedDataVersion != expectedVersion)
            {
                reason = $"PKCS#7 versions {signedDataVersion}/{signerVersion} do not fit the signer identifier (expected {expectedVersion})";
                return false;
            }

            if (!TryReadAlgorithm(info, out digestOid, out reason))
            {
                return false;
            }

            if (listedDigests.Count != 1 || listedDigests[0] != digestOid)
            {
                reason = "PKCS#7 digestAlgorithms set does not list exactly the signer's digest";
                return false;
            }

            if (info.PeekTag().HasSameClassAndValue(s_context0))
            {
                reason = "PKCS#7 signer has signed attributes; a module signature covers the content directly";
                return false;
            }

            if (!TryReadAlgorithm(info, out signatureOid, out reason))
            {
                return false;
            }

            if (info.ReadOctetString().Length == 0)
            {
                reason = "PKCS#7 signature value is empty";
                return false;
            }

            if (info.HasData)
            {
                reason = "PKCS#7 signer has unsigned attributes";
                return false;
            }
        }
        catch (Exception ex) when (ex is AsnContentException or CryptographicException or ArgumentException)
        {
            reason = "PKCS#7 message is not valid DER: " + OneLine(ex.Message);
            return false;
        }

        failure = SignatureStatus.UnsupportedCrypto;
        if (!s_digests.TryGetValue(digestOid, out var digest))
        {
            reason = $"digest algorithm {digestOid} is not supported (sha256, sha384, sha512 are)";
            return false;
        }

        if (!s_signatures.TryGetValue(signatureOid, out var signature))
        {
            reason = $"signature algorithm {signatureOid} is not supported (RSA PKCS#1 v1.5 and ECDSA are)";
            return false;
        }

        if (signature.Digest is not null && signature.Digest != digest)
        {
            failure = SignatureStatus.Malformed;
            reason = $"signature algorithm {signatureOid} implies {signature.Digest} but the digest is {digest}";
            return false;
        }

        signer = new Pkcs7Signer(issuer, serial, ski, digest, signature.Key);
        failure = SignatureStatus.Valid;
        reason = "";
        return true;
    }

    /// <summary>Reads an AlgorithmIdentifier whose parameters are absent or NULL, the only forms these algorithms use.</summary>
    private static bool TryReadAlgorithm(AsnReader reader, out string oid, out string reason)
    {
        var algorithm = reader.ReadSequence();
        oid = algorithm.ReadObjectIdentifier();
        if (algorithm.HasData)
        {
            algorithm.ReadNull();
            if (algorithm.HasData)
            {
                reason = $"PKCS#7 algorithm {oid} has unexpected parameters";
                return false;
            }
        }

        reason = "";
        return true;
    }

    /// <summary>The outer object must be one definite-length DER SEQUENCE filling the message exactly (CVE-2013-3900's lesson).</summary>
    private static bool CheckOuterLength(ReadOnlySpan<byte> der, out string reason)
    {
        if (der.Length < 2)
        {
            reason = $"PKCS#7 message is {der.Length} byte{(der.Length == 1 ? "" : "s")}, too short for a DER object";
            return false;
        }

        if (der[0] != 0x30)
        {
            reason = $"PKCS#7 message does not start with a DER SEQUENCE (first byte 0x{der[0]:x2})";
            return false;
        }

        long length;
        int header;
        var first = der[1];
        if (first < 0x80)
        {
            length = first;
            header = 2;
        }
        else if (first == 0x80)
        {
            reason = "PKCS#7 message uses an indefinite length, which DER forbids";
            return false;
        }
        else
        {
            var count = first & 0x7f;
            if (count > 4)
            {
                reason = $"PKCS#7 message length takes {count} bytes, more than a module signature can need";
                return false;
            }

            if (der.Length < 2 + count)
            {
                reason = "PKCS#7 message is truncated inside its length";
                return false;
            }

            length = 0;
            for (var i = 0; i < count; i++)
            {
                length = (length << 8) | der[2 + i];
            }

            if (der[2] == 0 || length < 0x80)
            {
                reason = "PKCS#7 message length is not minimally encoded, which DER forbids";
                return false;
            }

            header = 2 + count;
        }

        var total = header + length;
        if (total > der.Length)
        {
            reason = string.Create(CultureInfo.InvariantCulture, $"PKCS#7 message is truncated: its DER object needs {total} bytes, sig_len gives {der.Length}");
            return false;
        }

        if (total < der.Length)
        {
            reason = string.Create(CultureInfo.InvariantCulture, $"{der.Length - total} bytes follow the PKCS#7 DER object inside sig_len");
            return false;
        }

        reason = "";
        return true;
    }

    internal static string OneLine(string text)
    {
        var line = text.AsSpan().Trim();
        var end = line.IndexOfAny('\r', '\n');
        return (end < 0 ? line : line[..end]).ToString();
    }
}
