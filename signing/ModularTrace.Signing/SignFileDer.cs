using System.Formats.Asn1;

namespace ModularTrace.Signing;

/// <summary>
/// Makes a SignedData from .NET's <see cref="System.Security.Cryptography.Pkcs.SignedCms"/> the bytes OpenSSL's CMS
/// (and so the kernel's <c>scripts/sign-file</c>) writes for the same key and input. They differ in one DER detail:
/// OpenSSL gives the signer's <c>rsaEncryption</c> signature AlgorithmIdentifier explicit NULL parameters (RFC 3370
/// §3.2: "the parameters field MUST be present and MUST be NULL"; OpenSSL's <c>rsa_cms_sign</c> sets
/// <c>V_ASN1_NULL</c>), .NET leaves them out. RSA PKCS#1 v1.5 is deterministic, so with this the whole message is
/// byte-identical to sign-file's. Digest identifiers already agree (both omit parameters for SHA-2, as OpenSSL 3's
/// <c>PROV_DIGEST_FLAG_ALGID_ABSENT</c> does); ECDSA identifiers carry no parameters in either.
/// </summary>
internal static class SignFileDer
{
    private const string RsaEncryptionOid = "1.2.840.113549.1.1.1";
    private static readonly Asn1Tag s_context0 = new(TagClass.ContextSpecific, 0, isConstructed: true);

    /// <summary>The same ContentInfo with every signer's parameterless <c>rsaEncryption</c> given NULL parameters.</summary>
    /// <exception cref="AsnContentException">The message is not a SignedData of the shape ModuleSigner produces.</exception>
    public static byte[] WithRsaNullParameters(byte[] contentInfo)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        var outer = new AsnReader(contentInfo, AsnEncodingRules.DER);
        var info = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(info.ReadEncodedValue().Span); // contentType: signedData
            var explicitContent = info.ReadSequence(s_context0);
            info.ThrowIfNotEmpty();
            using (writer.PushSequence(s_context0))
            {
                var signedData = explicitContent.ReadSequence();
                explicitContent.ThrowIfNotEmpty();
                using (writer.PushSequence())
                {
                    writer.WriteEncodedValue(signedData.ReadEncodedValue().Span); // version
                    writer.WriteEncodedValue(signedData.ReadEncodedValue().Span); // digestAlgorithms
                    writer.WriteEncodedValue(signedData.ReadEncodedValue().Span); // encapContentInfo
                    // certificates [0] and crls [1] would come here: sign-file's CMS_NOCERTS writes neither, nor do we.
                    var signerInfos = signedData.ReadSetOf();
                    signedData.ThrowIfNotEmpty();
                    using (writer.PushSetOf())
                    {
                        while (signerInfos.HasData)
                        {
                            WriteSignerInfo(writer, signerInfos.ReadSequence());
                        }
                    }
                }
            }
        }

        return writer.Encode();
    }

    private static void WriteSignerInfo(AsnWriter writer, AsnReader signerInfo)
    {
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(signerInfo.ReadEncodedValue().Span); // version
            writer.WriteEncodedValue(signerInfo.ReadEncodedValue().Span); // sid
            writer.WriteEncodedValue(signerInfo.ReadEncodedValue().Span); // digestAlgorithm
            if (signerInfo.PeekTag().HasSameClassAndValue(s_context0))
            {
                writer.WriteEncodedValue(signerInfo.ReadEncodedValue().Span); // signedAttrs (none under CMS_NOATTR)
            }

            var signatureAlgorithm = signerInfo.ReadEncodedValue();
            var algorithm = new AsnReader(signatureAlgorithm, AsnEncodingRules.DER).ReadSequence();
            var oid = algorithm.ReadObjectIdentifier();
            if (oid == RsaEncryptionOid && !algorithm.HasData)
            {
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(oid);
                    writer.WriteNull();
                }
            }
            else
            {
                writer.WriteEncodedValue(signatureAlgorithm.Span);
            }

            while (signerInfo.HasData)
            {
                writer.WriteEncodedValue(signerInfo.ReadEncodedValue().Span); // signature, unsignedAttrs
            }
        }
    }
}
