using System.Security.Cryptography;
using ModularTrace.Signing;

namespace ModularTrace.Signing.Tests;

public sealed class KeyringsTests
{
    [Fact]
    public void AddSecondary_CertificateIssuedByBuiltinKey_IsAddedAndTrusted()
    {
        var keyrings = TestKeys.Trusting(TestKeys.Rsa);
        using var subjectKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var certificate = TestKeys.IssuedBy(TestKeys.Rsa, subjectKey, "vouched");

        var update = keyrings.AddSecondary(certificate);

        Assert.Equal(KeyringUpdateStatus.Added, update.Status);
        using var key = new SigningKey(subjectKey, certificate);
        var result = SignatureVerifier.Verify(TestKeys.Sign(TestKeys.Module(), key), keyrings);
        Assert.Equal(SignatureStatus.Valid, result.Status);
        Assert.Equal(KeyringKind.Secondary, result.Keyring);
    }

    [Fact]
    public void AddSecondary_ChainThroughSecondaryKey_IsAdded()
    {
        var keyrings = TestKeys.Trusting(TestKeys.Rsa);
        using var middleKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var middle = new SigningKey(middleKey, TestKeys.IssuedBy(TestKeys.Rsa, middleKey, "middle"));
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leaf = TestKeys.IssuedBy(middle, leafKey, "leaf");

        Assert.Equal(KeyringUpdateStatus.NotVouched, keyrings.AddSecondary(leaf).Status);
        Assert.Equal(KeyringUpdateStatus.Added, keyrings.AddSecondary(middle.Certificate).Status);
        Assert.Equal(KeyringUpdateStatus.Added, keyrings.AddSecondary(leaf).Status);
    }

    [Fact]
    public void AddSecondary_SelfSignedUnknownCertificate_IsNotVouched()
    {
        var keyrings = TestKeys.Trusting(TestKeys.Rsa);
        var update = keyrings.AddSecondary(TestKeys.Attacker.Certificate);
        Assert.Equal(KeyringUpdateStatus.NotVouched, update.Status);
        Assert.False(update.Succeeded);
        Assert.Empty(keyrings.Secondary);
    }

    [Fact]
    public void AddSecondary_IssuerNameMatchesButSignatureByAnotherKey_IsNotVouched()
    {
        // The attacker names the trusted key as issuer but signs with its own key.
        var keyrings = TestKeys.Trusting(TestKeys.P256);
        using var impostorKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var impostor = new SigningKey(impostorKey, TestKeys.P256.Certificate);
        using var subjectKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var certificate = TestKeys.IssuedBy(impostor, subjectKey, "forged");
        Assert.Equal(KeyringUpdateStatus.NotVouched, keyrings.AddSecondary(certificate).Status);
    }

    [Fact]
    public void AddSecondary_WhenLocked_IsRefused()
    {
        var keyrings = TestKeys.Trusting(TestKeys.Rsa);
        keyrings.Lock();
        using var subjectKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Equal(KeyringUpdateStatus.Locked, keyrings.AddSecondary(TestKeys.IssuedBy(TestKeys.Rsa, subjectKey, "late")).Status);
    }

    [Fact]
    public void Enroll_WithoutConfirmation_IsRefused()
    {
        var keyrings = new Keyrings();
        var asked = 0;
        var update = keyrings.Enroll(TestKeys.P384.Certificate, _ => { asked++; return false; });
        Assert.Equal(KeyringUpdateStatus.NotConfirmed, update.Status);
        Assert.Equal(1, asked);
        Assert.Empty(keyrings.Machine);
    }

    [Fact]
    public void Enroll_Confirmed_TrustsTheKeyFromTheMachineKeyring()
    {
        var keyrings = new Keyrings();
        Assert.Equal(KeyringUpdateStatus.Added, keyrings.Enroll(TestKeys.P384.Certificate, _ => true).Status);
        var result = SignatureVerifier.Verify(TestKeys.Sign(TestKeys.Module(), TestKeys.P384), keyrings);
        Assert.Equal(SignatureStatus.Valid, result.Status);
        Assert.Equal(KeyringKind.Machine, result.Keyring);
    }

    [Fact]
    public void Enroll_WhenLocked_IsRefusedWithoutAsking()
    {
        var keyrings = new Keyrings();
        keyrings.Lock();
        var update = keyrings.Enroll(TestKeys.P384.Certificate, _ => throw new InvalidOperationException("must not ask"));
        Assert.Equal(KeyringUpdateStatus.Locked, update.Status);
    }

    [Fact]
    public void Verify_BlacklistedCertificate_IsBlacklistedEvenThoughBuiltin()
    {
        var keyrings = TestKeys.Trusting(TestKeys.P256);
        keyrings.BlacklistCertificate(TestKeys.P256.Certificate);
        var result = SignatureVerifier.Verify(TestKeys.Sign(TestKeys.Module(), TestKeys.P256), keyrings);
        Assert.Equal(SignatureStatus.Blacklisted, result.Status);
        Assert.Equal("EKEYREJECTED", result.Status.ToErrno());
    }

    [Fact]
    public void Verify_BlacklistedModuleHash_IsBlacklistedEvenWhenValidlySigned()
    {
        var module = TestKeys.Module();
        var keyrings = TestKeys.Trusting(TestKeys.P256);
        keyrings.BlacklistModule(module);
        var result = SignatureVerifier.Verify(TestKeys.Sign(module, TestKeys.P256), keyrings);
        Assert.Equal(SignatureStatus.Blacklisted, result.Status);
        Assert.Contains("module hash", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_BlacklistedUnsignedModule_IsBlacklistedNotUnsigned()
    {
        var module = TestKeys.Module();
        var keyrings = new Keyrings();
        keyrings.BlacklistModuleHash(Convert.ToHexString(SHA256.HashData(module)));
        Assert.Equal(SignatureStatus.Blacklisted, SignatureVerifier.Verify(module, keyrings).Status);
    }

    [Fact]
    public void Enroll_BlacklistedCertificate_IsRefused()
    {
        var keyrings = new Keyrings();
        keyrings.BlacklistCertificate(TestKeys.P384.Certificate);
        Assert.Equal(KeyringUpdateStatus.Blacklisted, keyrings.Enroll(TestKeys.P384.Certificate, _ => true).Status);
    }

    [Fact]
    public void SaveThenLoad_AllRings_RoundTrip()
    {
        var directory = Directory.CreateTempSubdirectory("mtrace-keyrings-").FullName;
        try
        {
            var keyrings = TestKeys.Trusting(TestKeys.Rsa);
            using var subjectKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            Assert.True(keyrings.AddSecondary(TestKeys.IssuedBy(TestKeys.Rsa, subjectKey, "vouched")).Succeeded);
            Assert.True(keyrings.Enroll(TestKeys.P384.Certificate, _ => true).Succeeded);
            keyrings.BlacklistCertificate(TestKeys.Attacker.Certificate);
            keyrings.BlacklistModule([1, 2, 3]);
            keyrings.Lock();
            keyrings.Save(directory);
            keyrings.Save(directory);

            var loaded = Keyrings.Load(directory);

            Assert.Equal(keyrings.All.Select(e => (e.Keyring, e.Certificate.Thumbprint)), loaded.All.Select(e => (e.Keyring, e.Certificate.Thumbprint)));
            Assert.Equal(keyrings.BlacklistedCertificates, loaded.BlacklistedCertificates);
            Assert.Equal(keyrings.BlacklistedModules, loaded.BlacklistedModules);
            Assert.True(loaded.IsLocked);
            Assert.Single(Directory.GetFiles(Path.Combine(directory, "builtin")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Load_UnvouchedCertificateDroppedIntoSecondary_IsRefused()
    {
        var directory = Directory.CreateTempSubdirectory("mtrace-keyrings-").FullName;
        try
        {
            TestKeys.Trusting(TestKeys.Rsa).Save(directory);
            File.WriteAllBytes(Path.Combine(directory, "secondary", "planted.x509"), TestKeys.Attacker.Certificate.RawData);
            var ex = Assert.Throws<InvalidDataException>(() => Keyrings.Load(directory));
            Assert.Contains("planted.x509", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("cert:abc")]
    [InlineData("nope:0000000000000000000000000000000000000000000000000000000000000000")]
    public void Load_MalformedBlacklistLine_NamesTheLine(string line)
    {
        var directory = Directory.CreateTempSubdirectory("mtrace-keyrings-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "blacklist"), "# comment\n\n" + line + "\n");
            var ex = Assert.Throws<InvalidDataException>(() => Keyrings.Load(directory));
            Assert.Contains("blacklist:3:", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
