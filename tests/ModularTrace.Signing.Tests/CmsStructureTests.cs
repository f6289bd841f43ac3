using System.Security.Cryptography.X509Certificates;
using ModularTrace.Signing;

namespace ModularTrace.Signing.Tests;

/// <summary>NOTES-RELIABILITY §1 "CMS structure" and NOTES-DOTNET §1 (embedded certificates).</summary>
public sealed class CmsStructureTests
{
    private static readonly byte[] s_module = TestKeys.Module(300);

    private static SignatureVerification Verify(byte[] cms, params SigningKey[] trusted)
        => SignatureVerifier.Verify(Forge.File(s_module, cms), TestKeys.Trusting(trusted.Length == 0 ? [TestKeys.P256] : trusted));

    [Theory]
    [InlineData(new byte[] { 0x30 }, "PKCS#7 message is 1 byte, too short for a DER object")]
    [InlineData(new byte[] { 0x00, 0x00 }, "PKCS#7 message does not start with a DER SEQUENCE (first byte 0x00)")]
    [InlineData(new byte[] { 0x30, 0x00 }, "PKCS#7 message is not valid DER")]
    [InlineData(new byte[] { 0x30, 0x85, 1, 2, 3, 4, 5 }, "more than a module signature can need")]
    [InlineData(new byte[] { 0x30, 0x81, 0x05, 0, 0, 0, 0, 0 }, "not minimally encoded")]
    public void Verify_TinyOrBrokenCms_IsMalformed(byte[] cms, string reason)
    {
        var result = Verify(cms);
        Assert.Equal(SignatureStatus.Malformed, result.Status);
        Assert.Contains(reason, result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Sign_RsaKey_SignatureAlgorithmHasNullParametersAsOpensslWrites()
    {
        // sign-file (OpenSSL CMS) writes rsaEncryption with NULL parameters, RFC 3370 §3.2; the digest without any.
        var cms = ModuleSigner.DetachedSignature(s_module, TestKeys.Rsa.PrivateKey, TestKeys.Rsa.Certificate, "sha256");
        var rsaWithNull = new byte[] { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00 };
        var sha256Bare = new byte[] { 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01 };
        Assert.True(cms.AsSpan().IndexOf(rsaWithNull) > 0, Convert.ToHexString(cms));
        Assert.True(cms.AsSpan().IndexOf(sha256Bare) > 0);
        Assert.Equal(SignatureStatus.Valid, Verify(cms, TestKeys.Rsa).Status);
    }

    [Fact]
    public void Verify_TruncatedCms_IsMalformedAtEveryCut()
    {
        var cms = Forge.Cms(s_module, TestKeys.P256);
        for (var length = 2; length < cms.Length; length++)
        {
            var result = Verify(cms[..length]);
            Assert.True(result.Status == SignatureStatus.Malformed, $"length {length}: {result.Status} {result.Reason}");
        }
    }

    [Fact]
    public void Verify_IndefiniteOuterLength_IsMalformed()
    {
        var result = Verify(Forge.IndefiniteOuterLength(Forge.Cms(s_module, TestKeys.P256)));
        Assert.Equal(SignatureStatus.Malformed, result.Status);
        Assert.Contains("indefinite length", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_AttackerCmsEmbeddingAttackersCertificate_IsNeverValid()
    {
        // NOTES-DOTNET §1: SignedCms.CheckSignature would accept this, trusting the embedded certificate.
        var cms = Forge.Cms(s_module, TestKeys.Attacker, include: X509IncludeOption.EndCertOnly);
        var result = Verify(cms);
        Assert.NotEqual(SignatureStatus.Valid, result.Status);
        Assert.Equal(SignatureStatus.Malformed, result.Status);
        Assert.Contains("embeds a certificate", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_TrustedSignerEmbeddingItsOwnCertificate_IsStillRefused()
    {
        var cms = Forge.Cms(s_module, TestKeys.P256, include: X509IncludeOption.EndCertOnly);
        Assert.Equal(SignatureStatus.Malformed, Verify(cms).Status);
    }

    [Fact]
    public void Verify_AttackerCmsWithoutCertificate_IsUnknownKey()
    {
        var result = Verify(Forge.Cms(s_module, TestKeys.Attacker));
        Assert.Equal(SignatureStatus.UnknownKey, result.Status);
    }

    [Fact]
    public void Verify_UnknownIssuerWithControlCharacters_ReasonAndSignerStayOneLine()
    {
        // The issuer name comes from an untrusted file and is echoed into the refusal: a newline there would forge a
        // log line (found by FuzzPropertyTests, which mutated a byte of the issuer into '\n').
        using var key = TestKeys.Make(SigningKeyAlgorithm.EcdsaP256, "evil\n[    0.000000] kernel: trusted\u0007" + new string('x', 200));

        var result = Verify(Forge.Cms(s_module, key));

        Assert.Equal(SignatureStatus.UnknownKey, result.Status);
        Assert.DoesNotContain('\n', result.Reason);
        Assert.DoesNotContain('\u0007', result.Reason);
        Assert.StartsWith("signed with unavailable key (issuer 'evil?[    0.000000] kernel: trusted?xxx", result.Reason, StringComparison.Ordinal);
        Assert.Equal(128 + 3, result.Signer!.Length); // cut at 128 characters, then "..."
        Assert.EndsWith("...", result.Signer, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_AttackerReusingTrustedIssuerAndSerial_IsBadSignature()
    {
        // An attacker's certificate claiming the trusted key's issuer and serial: the keyring match succeeds, the key does not.
        using var attackerKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(TestKeys.P256.Certificate.SubjectName, attackerKey, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var forged = request.Create(
            TestKeys.P256.Certificate.IssuerName,
            System.Security.Cryptography.X509Certificates.X509SignatureGenerator.CreateForECDsa(attackerKey),
            DateTimeOffset.UtcNow.AddDays(-1),
            DateTimeOffset.UtcNow.AddDays(1),
            TestKeys.P256.Certificate.SerialNumberBytes.ToArray());
        using var forgedKey = new SigningKey(attackerKey, X509CertificateLoader.LoadCertificate(forged.RawData));
        var result = Verify(Forge.Cms(s_module, forgedKey));
        Assert.Equal(SignatureStatus.BadSignature, result.Status);
        Assert.Equal("signature does not match the module bytes", result.Reason);
    }

    [Fact]
    public void Verify_TwoSigners_IsMalformed()
    {
        var result = Verify(Forge.Cms(s_module, TestKeys.P256, secondSigner: TestKeys.Rsa));
        Assert.Equal(SignatureStatus.Malformed, result.Status);
        Assert.Equal("PKCS#7 message has 2 signers, expected 1", result.Reason);
    }

    [Fact]
    public void Verify_SignedAttributesPresent_IsMalformed()
    {
        var result = Verify(Forge.Cms(s_module, TestKeys.P256, signedAttributes: true));
        Assert.Equal(SignatureStatus.Malformed, result.Status);
        Assert.Contains("signed attributes", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_ContentEmbeddedNotDetached_IsMalformed()
    {
        var result = Verify(Forge.Cms(s_module, TestKeys.P256, detached: false));
        Assert.Equal(SignatureStatus.Malformed, result.Status);
        Assert.Contains("must be detached", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_Sha1Digest_IsUnsupportedCrypto()
    {
        var result = Verify(Forge.Cms(s_module, TestKeys.P256, digestOid: "1.3.14.3.2.26"));
        Assert.Equal(SignatureStatus.UnsupportedCrypto, result.Status);
        Assert.Contains("digest algorithm 1.3.14.3.2.26 is not supported", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_CmsThatIsNotSignedData_IsMalformed()
    {
        // ContentInfo { id-data, [0] OCTET STRING "x" }
        byte[] cms = [0x30, 0x12, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0, 0x05, 0x04, 0x03, 0x78, 0x78, 0x78];
        var result = Verify(cms);
        Assert.Equal(SignatureStatus.Malformed, result.Status);
        Assert.Contains("is not SignedData", result.Reason, StringComparison.Ordinal);
    }
}
