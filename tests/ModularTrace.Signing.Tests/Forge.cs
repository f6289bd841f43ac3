using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using ModularTrace.Signing;

namespace ModularTrace.Signing.Tests;

/// <summary>Hand-built signed files for the attacks of NOTES-RELIABILITY §1.</summary>
internal static class Forge
{
    /// <summary>payload | region | info(sig_len = region length unless given) | marker, with the info block editable.</summary>
    public static byte[] File(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> region, uint? sigLen = null, Action<byte[]>? editInfo = null)
    {
        var info = new byte[12];
        info[2] = 2;
        BinaryPrimitives.WriteUInt32BigEndian(info.AsSpan(8), sigLen ?? (uint)region.Length);
        editInfo?.Invoke(info);
        return [.. payload, .. region, .. info, .. AppendedSignature.Marker];
    }

    /// <summary>A CMS over <paramref name="payload"/> built with options sign-file never uses.</summary>
    public static byte[] Cms(
        byte[] payload,
        SigningKey key,
        bool detached = true,
        X509IncludeOption include = X509IncludeOption.None,
        bool signedAttributes = false,
        SigningKey? secondSigner = null,
        string digestOid = "2.16.840.1.101.3.4.2.1")
    {
        var cms = new SignedCms(new ContentInfo(payload), detached);
        var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, key.Certificate, key.PrivateKey)
        {
            IncludeOption = include,
            DigestAlgorithm = new Oid(digestOid),
        };
        if (signedAttributes)
        {
            signer.SignedAttributes.Add(new Pkcs9SigningTime());
        }

        cms.ComputeSignature(signer, silent: true);
        if (secondSigner is not null)
        {
            cms.ComputeSignature(new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, secondSigner.Certificate, secondSigner.PrivateKey)
            {
                IncludeOption = X509IncludeOption.None,
            }, silent: true);
        }

        return cms.Encode();
    }

    /// <summary>Re-encodes a DER SEQUENCE's outer length as indefinite (BER), with the end-of-contents octets.</summary>
    public static byte[] IndefiniteOuterLength(byte[] der)
    {
        var header = der[1] < 0x80 ? 2 : 2 + (der[1] & 0x7f);
        return [0x30, 0x80, .. der.AsSpan(header), 0x00, 0x00];
    }
}
