using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ModularTrace.Signing.Tests;

/// <summary>
/// The blacklist always wins: a blacklisted certificate or key confers no trust as a signer or as a voucher, in any
/// encoding, found first or not, at the time a key is added, when a keyring directory is loaded and at every verification.
/// </summary>
public sealed class BlacklistTrustTests : IDisposable
{
    // The order of the P-256 group: (r, n - s) is a second valid encoding of an ECDSA signature (r, s).
    private static readonly BigInteger s_p256Order = BigInteger.Parse("0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mtrace-blacklist-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void AddSecondary_CertificateVouchedForByABlacklistedKey_IsRefusedAsBlacklisted()
    {
        var keyrings = TestKeys.Trusting(TestKeys.Rsa);
        keyrings.BlacklistCertificate(TestKeys.Rsa.Certificate);
        using var subjectKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var update = keyrings.AddSecondary(TestKeys.IssuedBy(TestKeys.Rsa, subjectKey, "vouched by a revoked key"));

        Assert.Equal(KeyringUpdateStatus.Blacklisted, update.Status);
        Assert.Contains("vouched for only by a key the blacklist refuses", update.Reason, StringComparison.Ordinal);
        Assert.Empty(keyrings.Secondary);
    }

    [Fact]
    public void Verify_SecondaryKeyWhoseVoucherIsBlacklistedLater_IsBlacklistedAtTheNextVerification()
    {
        var keyrings = TestKeys.Trusting(TestKeys.Rsa);
        using var leaf = Issue(TestKeys.Rsa, "leaf");
        Assert.Equal(KeyringUpdateStatus.Added, keyrings.AddSecondary(leaf.Certificate).Status);
        var module = TestKeys.Sign(TestKeys.Module(), leaf);
        Assert.Equal(SignatureStatus.Valid, SignatureVerifier.Verify(module, keyrings).Status);

        keyrings.BlacklistCertificate(TestKeys.Rsa.Certificate);

        var result = SignatureVerifier.Verify(module, keyrings);
        Assert.Equal(SignatureStatus.Blacklisted, result.Status);
        Assert.Contains("'leaf' is vouched for only by a key the blacklist refuses", result.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(keyrings.All, entry => entry.Certificate.Subject == "CN=leaf");
    }

    [Fact]
    public void Verify_ChainOfTwoSecondaryKeys_MiddleBlacklisted_RefusesTheLeaf()
    {
        var keyrings = TestKeys.Trusting(TestKeys.Rsa);
        using var middle = Issue(TestKeys.Rsa, "middle");
        using var leaf = Issue(middle, "leaf");
        Assert.True(keyrings.AddSecondary(middle.Certificate).Succeeded);
        Assert.True(keyrings.AddSecondary(leaf.Certificate).Succeeded);
        var module = TestKeys.Sign(TestKeys.Module(), leaf);

        keyrings.BlacklistCertificate(middle.Certificate);

        Assert.Equal(SignatureStatus.Blacklisted, SignatureVerifier.Verify(module, keyrings).Status);
        using var late = Issue(leaf, "late");
        Assert.Equal(KeyringUpdateStatus.Blacklisted, keyrings.AddSecondary(late.Certificate).Status);
    }

    [Fact]
    public void Verify_SecondaryKeyWithTwoVouchersForOneKey_OneBlacklistedByDer_CoversTheOtherToo()
    {
        // Two builtin certificates for one key, both matching the leaf's issuer: a cert: entry for one must not leave the other as a voucher.
        using var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var first = new CertificateRequest("CN=twin issuer", issuerKey, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var second = new CertificateRequest("CN=twin issuer", issuerKey, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddYears(2));
        var keyrings = new Keyrings([first, second]);
        using var issuer = new SigningKey(issuerKey, first);
        using var leaf = Issue(issuer, "leaf");
        Assert.True(keyrings.AddSecondary(leaf.Certificate).Succeeded);

        keyrings.BlacklistCertificateHash(CertificateFile.Sha256Hex(first));

        // Same key: a cert: entry for one certificate in the rings covers the other certificate for that key too.
        Assert.Equal(SignatureStatus.Blacklisted, SignatureVerifier.Verify(TestKeys.Sign(TestKeys.Module(), leaf), keyrings).Status);
    }

    [Fact]
    public void Verify_AnotherEncodingOfABlacklistedCertificate_FoundFirst_IsStillBlacklisted()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var original = new CertificateRequest("CN=re-encoded", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var reencoded = OtherEncoding(original);
        Assert.False(original.RawData.AsSpan().SequenceEqual(reencoded.RawData));
        Assert.Equal(original.IssuerName.RawData, reencoded.IssuerName.RawData);
        Assert.Equal(original.SerialNumberBytes.ToArray(), reencoded.SerialNumberBytes.ToArray());
        Assert.True(CertificateSignature.IsSignedBy(reencoded, reencoded), "the other encoding is still a valid self-signed certificate");

        // The other encoding sits first (builtin), the blacklisted DER later (machine): issuer+serial finds the other first.
        var keyrings = new Keyrings([reencoded]);
        Assert.True(keyrings.Enroll(original, _ => true).Succeeded);
        keyrings.BlacklistCertificateHash(CertificateFile.Sha256Hex(original));
        using var signer = new SigningKey(key, original);

        var result = SignatureVerifier.Verify(TestKeys.Sign(TestKeys.Module(), signer), keyrings);

        Assert.Equal(SignatureStatus.Blacklisted, result.Status);
    }

    [Fact]
    public void Verify_OnlyAnotherEncodingInTheRings_BlacklistedThroughItsSignedPartAndKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var original = new CertificateRequest("CN=re-encoded", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var reencoded = OtherEncoding(original);
        using var signer = new SigningKey(key, original);
        var module = TestKeys.Sign(TestKeys.Module(), signer);

        var byCertificate = new Keyrings([reencoded]);
        byCertificate.BlacklistCertificate(original);
        Assert.Equal(SignatureStatus.Blacklisted, SignatureVerifier.Verify(module, byCertificate).Status);

        var byTbs = new Keyrings([reencoded]);
        byTbs.BlacklistSignedPartHash(CertificateFile.SignedPartSha256Hex(original)!);
        Assert.Equal(CertificateFile.SignedPartSha256Hex(original), CertificateFile.SignedPartSha256Hex(reencoded));
        Assert.Equal(SignatureStatus.Blacklisted, SignatureVerifier.Verify(module, byTbs).Status);
    }

    [Fact]
    public void Verify_AnotherCertificateForABlacklistedKey_IsBlacklisted()
    {
        var keyrings = new Keyrings();
        var other = new CertificateRequest("CN=same key new name", (ECDsa)TestKeys.P256.PrivateKey, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        Assert.True(keyrings.Enroll(other, _ => true).Succeeded);
        keyrings.BlacklistKeyHash(CertificateFile.PublicKeySha256Hex(TestKeys.P256.Certificate));
        var signer = new SigningKey(TestKeys.P256.PrivateKey, other); // not disposed: the key is the shared test key

        var result = SignatureVerifier.Verify(TestKeys.Sign(TestKeys.Module(), signer), keyrings);

        Assert.Equal(SignatureStatus.Blacklisted, result.Status);
        Assert.Contains("public key sha256", result.Reason, StringComparison.Ordinal);
        Assert.Equal(KeyringUpdateStatus.Blacklisted, new Keyrings().Also(k => k.BlacklistCertificate(TestKeys.P256.Certificate)).Enroll(other, _ => true).Status);
    }

    [Fact]
    public void Load_CertificateDroppedIntoSecondaryVouchedForByABlacklistedKey_IsSkippedAndConfersNoTrust()
    {
        var keyrings = TestKeys.Trusting(TestKeys.Rsa);
        keyrings.BlacklistCertificate(TestKeys.Rsa.Certificate);
        keyrings.Save(_dir.FullName);
        using var planted = Issue(TestKeys.Rsa, "planted");
        File.WriteAllBytes(Path.Combine(_dir.FullName, "secondary", "planted.x509"), planted.Certificate.RawData);

        var loaded = Keyrings.Load(_dir.FullName);

        Assert.DoesNotContain(loaded.All, entry => entry.Keyring == KeyringKind.Secondary);
        var skipped = Assert.Single(loaded.Skipped);
        Assert.EndsWith("planted.x509", skipped.Path, StringComparison.Ordinal);
        Assert.Equal(SignatureStatus.Blacklisted, SignatureVerifier.Verify(TestKeys.Sign(TestKeys.Module(), planted), loaded).Status);
    }

    [Fact]
    public void Load_BlacklistWrittenAfterTheSecondaryKeys_StillWins()
    {
        // The old reader applied the blacklist after vouching for secondary/: a voucher's entry came too late.
        var keyrings = TestKeys.Trusting(TestKeys.Rsa);
        using var leaf = Issue(TestKeys.Rsa, "leaf");
        Assert.True(keyrings.AddSecondary(leaf.Certificate).Succeeded);
        keyrings.Save(_dir.FullName);
        File.AppendAllText(Path.Combine(_dir.FullName, "blacklist"), $"key:{CertificateFile.PublicKeySha256Hex(TestKeys.Rsa.Certificate)}\n");

        var loaded = Keyrings.Load(_dir.FullName);

        Assert.Equal(SignatureStatus.Blacklisted, SignatureVerifier.Verify(TestKeys.Sign(TestKeys.Module(), leaf), loaded).Status);
        Assert.DoesNotContain(loaded.All, entry => entry.Keyring != KeyringKind.Builtin);
    }

    [Fact]
    public void SaveThenLoad_KeyAndTbsEntries_RoundTripInTheKernelsForm()
    {
        var keyrings = new Keyrings();
        keyrings.BlacklistCertificate(TestKeys.Attacker.Certificate);
        keyrings.Save(_dir.FullName);

        var text = File.ReadAllText(Path.Combine(_dir.FullName, "blacklist"));
        Assert.Contains($"tbs:{CertificateFile.SignedPartSha256Hex(TestKeys.Attacker.Certificate)}\n", text, StringComparison.Ordinal);
        Assert.Contains($"key:{CertificateFile.PublicKeySha256Hex(TestKeys.Attacker.Certificate)}\n", text, StringComparison.Ordinal);
        var loaded = Keyrings.Load(_dir.FullName);
        Assert.Equal(keyrings.BlacklistedKeys, loaded.BlacklistedKeys);
        Assert.Equal(keyrings.BlacklistedSignedParts, loaded.BlacklistedSignedParts);
    }

    [Fact]
    public void Verify_StackedSignature_IsMalformedUnderEveryPolicy()
    {
        var keyrings = TestKeys.Trusting(TestKeys.P256);
        var inner = TestKeys.Sign(TestKeys.Module(), TestKeys.P256);
        var outer = AppendedSignature.Append(inner, ModuleSigner.DetachedSignature(inner, TestKeys.P256.PrivateKey, TestKeys.P256.Certificate, "sha256"));

        var result = SignatureVerifier.Verify(outer, keyrings);

        Assert.Equal(SignatureStatus.Malformed, result.Status);
        Assert.Contains("stacked signatures are refused", result.Reason, StringComparison.Ordinal);
        var ex = Assert.Throws<InvalidDataException>(() => TestKeys.Sign(outer, TestKeys.P256));
        Assert.Contains("two signatures", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_StackedSignatureOverABlacklistedModule_NeverLoadsItAgain()
    {
        var module = TestKeys.Module();
        var keyrings = TestKeys.Trusting(TestKeys.P256);
        keyrings.BlacklistModule(module);
        var inner = TestKeys.Sign(module, TestKeys.P256);
        var outer = AppendedSignature.Append(inner, ModuleSigner.DetachedSignature(inner, TestKeys.P256.PrivateKey, TestKeys.P256.Certificate, "sha256"));

        Assert.False(SignatureVerifier.Verify(outer, keyrings).IsValid);
    }

    [Theory]
    [InlineData("\u202Eevil")]
    [InlineData("line\u2028break")]
    [InlineData("zero\u200Bwidth")]
    [InlineData("esc\u001B[2J")]
    [InlineData("c1\u009Bcsi")]
    public void Printable_ControlFormatAndSeparatorCharacters_BecomeQuestionMarks(string text)
    {
        var shown = Text.DisplayText.Printable(text);
        Assert.DoesNotContain(shown, Text.DisplayText.IsUnsafe);
        Assert.Contains('?', shown);
    }

    private static SigningKey Issue(SigningKey issuer, string subject)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new SigningKey(key, TestKeys.IssuedBy(issuer, key, subject));
    }

    // The same certificate (issuer, serial, key, signed part) with its ECDSA signature written as (r, n - s): other DER bytes.
    private static X509Certificate2 OtherEncoding(X509Certificate2 certificate)
    {
        var outer = new AsnReader(certificate.RawData, AsnEncodingRules.DER).ReadSequence();
        var tbs = outer.ReadEncodedValue();
        var algorithm = outer.ReadEncodedValue();
        var signature = outer.ReadBitString(out _);
        var pair = new AsnReader(signature, AsnEncodingRules.DER).ReadSequence();
        var r = pair.ReadInteger();
        var s = pair.ReadInteger();

        var newSignature = new AsnWriter(AsnEncodingRules.DER);
        using (newSignature.PushSequence())
        {
            newSignature.WriteInteger(r);
            newSignature.WriteInteger(s_p256Order - s);
        }

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(tbs.Span);
            writer.WriteEncodedValue(algorithm.Span);
            writer.WriteBitString(newSignature.Encode());
        }

        return X509CertificateLoader.LoadCertificate(writer.Encode());
    }
}

internal static class KeyringsTestExtensions
{
    public static Keyrings Also(this Keyrings keyrings, Action<Keyrings> change)
    {
        change(keyrings);
        return keyrings;
    }
}
