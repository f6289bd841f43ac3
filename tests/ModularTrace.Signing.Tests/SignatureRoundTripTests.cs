using ModularTrace.Signing;

namespace ModularTrace.Signing.Tests;

public sealed class SignatureRoundTripTests
{
    public static TheoryData<string, string, bool> Combinations()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var key in new[] { "rsa", "p256", "p384" })
        {
            foreach (var hash in new[] { "sha256", "sha384", "sha512" })
            {
                data.Add(key, hash, false);
                data.Add(key, hash, true);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void Verify_SignedByTrustedKey_IsValidAndReportsTheSigner(string keyName, string hash, bool useKeyId)
    {
        var key = TestKeys.ByName(keyName);
        var module = TestKeys.Module();
        var signed = TestKeys.Sign(module, key, hash, useKeyId);

        var result = SignatureVerifier.Verify(signed, TestKeys.Trusting(TestKeys.Attacker, key));

        Assert.True(result.IsValid, result.Reason);
        Assert.Equal(module, result.Payload.ToArray());
        Assert.Equal(hash, result.HashAlgorithm);
        Assert.Equal(keyName == "rsa" ? "rsa" : "ecdsa", result.SignatureAlgorithm);
        Assert.Equal(CertificateFile.CommonName(key.Certificate), result.Signer);
        Assert.Equal(KeyringKind.Builtin, result.Keyring);
        Assert.Equal(key.Certificate.RawData, result.Certificate!.RawData);
        Assert.Equal(useKeyId, result.KeyIdIsSubjectKeyIdentifier);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(module)), result.PayloadSha256);
        var expectedKeyId = useKeyId
            ? key.Certificate.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509SubjectKeyIdentifierExtension>().Single().SubjectKeyIdentifier!.ToLowerInvariant()
            : key.Certificate.SerialNumber.ToLowerInvariant().TrimStart('0');
        Assert.EndsWith(expectedKeyId, result.KeyId, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_ByteArrayAndCollectionOverload_TreatsCollectionAsBuiltin()
    {
        var signed = TestKeys.Sign(TestKeys.Module(), TestKeys.P256);
        var result = SignatureVerifier.Verify(signed, [TestKeys.P256.Certificate]);
        Assert.Equal(SignatureStatus.Valid, result.Status);
        Assert.Equal(KeyringKind.Builtin, result.Keyring);
    }

    [Fact]
    public void Sign_AlreadySignedModule_ReplacesTheSignatureInsteadOfStacking()
    {
        var module = TestKeys.Module();
        var once = TestKeys.Sign(module, TestKeys.Rsa);
        var twice = TestKeys.Sign(once, TestKeys.P256, "sha384");

        var result = SignatureVerifier.Verify(twice, TestKeys.Trusting(TestKeys.P256));

        Assert.Equal(SignatureStatus.Valid, result.Status);
        Assert.Equal(module, result.Payload.ToArray());
        Assert.Equal("sha384", result.HashAlgorithm);
        Assert.Equal(SignatureStatus.UnknownKey, SignatureVerifier.Verify(twice, TestKeys.Trusting(TestKeys.Rsa)).Status);
    }

    [Fact]
    public void Sign_Layout_IsSignFilesTrailer()
    {
        var module = TestKeys.Module(100);
        var signed = TestKeys.Sign(module, TestKeys.P256);
        var trailer = signed.AsSpan(signed.Length - 40, 12).ToArray();

        Assert.Equal("~Module signature appended~\n"u8.ToArray(), signed[^28..]);
        Assert.Equal(new byte[] { 0, 0, 2, 0, 0, 0, 0, 0 }, trailer[..8]);
        Assert.Equal(signed.Length - 40 - 100, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(trailer.AsSpan(8)));
        Assert.Equal(module, signed[..100]);
        Assert.Equal(0x30, signed[100]);
    }

    [Fact]
    public void Verify_KeyInNoKeyring_IsUnknownKeyNamingTheIssuer()
    {
        var signed = TestKeys.Sign(TestKeys.Module(), TestKeys.P256);
        var result = SignatureVerifier.Verify(signed, TestKeys.Trusting(TestKeys.Rsa));
        Assert.Equal(SignatureStatus.UnknownKey, result.Status);
        Assert.Equal("ENOKEY", result.Status.ToErrno());
        Assert.Contains("unavailable key", result.Reason, StringComparison.Ordinal);
        Assert.Equal("ModularTrace test P-256 key", result.Signer);
        Assert.Null(result.Certificate);
    }

    [Fact]
    public void Verify_UnsignedModule_IsUnsignedWithTheWholeFileAsPayload()
    {
        var module = TestKeys.Module();
        var result = SignatureVerifier.Verify(module, TestKeys.Trusting(TestKeys.Rsa));
        Assert.Equal(SignatureStatus.Unsigned, result.Status);
        Assert.Equal("module is unsigned", result.Reason);
        Assert.Equal(module, result.Payload.ToArray());
    }

    [Theory]
    [InlineData(SignatureStatus.Valid, "")]
    [InlineData(SignatureStatus.Unsigned, "ENODATA")]
    [InlineData(SignatureStatus.Malformed, "EBADMSG")]
    [InlineData(SignatureStatus.UnsupportedCrypto, "ENOPKG")]
    [InlineData(SignatureStatus.UnknownKey, "ENOKEY")]
    [InlineData(SignatureStatus.BadSignature, "EKEYREJECTED")]
    [InlineData(SignatureStatus.Blacklisted, "EKEYREJECTED")]
    public void ToErrno_EveryStatus_IsTheKernelName(SignatureStatus status, string errno)
        => Assert.Equal(errno, status.ToErrno());
}
