using System.Security.Cryptography;
using System.Runtime.Versioning;
using System.Security.Cryptography.X509Certificates;
using ModularTrace.Signing;

namespace ModularTrace.Signing.Tests;

public sealed class KeyGeneratorTests
{
    [Fact]
    public void Generate_Defaults_MatchTheKernelsGenkey()
    {
        using var key = KeyGenerator.Generate();
        var certificate = key.Certificate;

        Assert.Equal(4096, Assert.IsAssignableFrom<RSA>(key.PrivateKey).KeySize);
        Assert.Equal("CN=ModularTrace development signing key, O=ModularTrace", certificate.Subject);
        Assert.Equal(certificate.Subject, certificate.Issuer);
        Assert.Equal("1.2.840.113549.1.1.13", certificate.SignatureAlgorithm.Value);
        var basic = certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(basic.Critical);
        Assert.False(basic.CertificateAuthority);
        var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.True(usage.Critical);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, usage.KeyUsages);
        Assert.Equal("1.3.6.1.5.5.7.3.3", certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages[0].Value);
        var ski = certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single();
        var aki = certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().Single();
        Assert.Equal(ski.SubjectKeyIdentifierBytes.ToArray(), aki.KeyIdentifier!.Value.ToArray());
        Assert.True(certificate.NotAfter > DateTime.UtcNow.AddYears(99));
        Assert.True(CertificateSignature.IsSignedBy(certificate, certificate));
    }

    [Theory]
    [InlineData(SigningKeyAlgorithm.EcdsaP256, 256)]
    [InlineData(SigningKeyAlgorithm.EcdsaP384, 384)]
    public void Generate_Ecdsa_UsesTheCurve(SigningKeyAlgorithm algorithm, int bits)
    {
        using var key = KeyGenerator.Generate(new KeyGenerationOptions { Algorithm = algorithm, Subject = "ec" });
        Assert.Equal(bits, Assert.IsAssignableFrom<ECDsa>(key.PrivateKey).KeySize);
        Assert.Equal("1.2.840.10045.4.3.4", key.Certificate.SignatureAlgorithm.Value);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void Write_KeyFile_IsMode0600CombinedPemAndLoadsBack()
    {
        var directory = Directory.CreateTempSubdirectory("mtrace-keys-").FullName;
        try
        {
            var keyPath = Path.Combine(directory, "signing_key.pem");
            var certificatePath = Path.Combine(directory, "signing_key.x509");
            TestKeys.P256.Write(keyPath, certificatePath);

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
            var text = File.ReadAllText(keyPath);
            Assert.StartsWith("-----BEGIN " + "PRIVATE KEY-----", text, StringComparison.Ordinal);
            Assert.True(text.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal) > text.IndexOf("-----END PRIVATE KEY-----", StringComparison.Ordinal));
            Assert.Equal(TestKeys.P256.Certificate.RawData, File.ReadAllBytes(certificatePath));
            Assert.Equal(TestKeys.P256.Certificate.RawData, CertificateFile.Load(keyPath).RawData);
            var loaded = PrivateKeyFile.Load(keyPath);
            Assert.Null(loaded.Warning);
            using var signing = SigningKey.Load(keyPath, certificatePath);
            Assert.Equal(SignatureStatus.Valid, SignatureVerifier.Verify(TestKeys.Sign(TestKeys.Module(), signing), TestKeys.Trusting(TestKeys.P256)).Status);
            Assert.Throws<IOException>(() => TestKeys.P256.Write(keyPath, certificatePath));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void LoadPrivateKey_GroupReadable_WarnsButLoads()
    {
        var directory = Directory.CreateTempSubdirectory("mtrace-keys-").FullName;
        try
        {
            var keyPath = Path.Combine(directory, "key.pem");
            File.WriteAllText(keyPath, TestKeys.P256.ToCombinedPem());
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            var loaded = PrivateKeyFile.Load(keyPath);
            Assert.Contains("chmod 600", loaded.Warning, StringComparison.Ordinal);
            Assert.IsAssignableFrom<ECDsa>(loaded.Key);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void EnsureExists_SecondCall_ReusesTheKey()
    {
        var directory = Directory.CreateTempSubdirectory("mtrace-keys-").FullName;
        try
        {
            var options = new KeyGenerationOptions { Algorithm = SigningKeyAlgorithm.EcdsaP256 };
            var first = DevKey.EnsureExists(directory, options);
            var certificate = File.ReadAllBytes(first.CertificatePath);
            File.Delete(first.CertificatePath);
            var second = DevKey.EnsureExists(directory, options);

            Assert.True(first.Generated);
            Assert.False(second.Generated);
            Assert.Equal(certificate, File.ReadAllBytes(second.CertificatePath));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Sign_KeyNotMatchingCertificate_IsRefused()
    {
        var ex = Assert.Throws<ArgumentException>(() => ModuleSigner.Sign(TestKeys.Module(), TestKeys.P256.PrivateKey, TestKeys.P384.Certificate, "sha256"));
        Assert.Contains("does not match", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("md5")]
    [InlineData("sha1")]
    [InlineData("")]
    public void Sign_UnsupportedHash_IsRefused(string hash)
        => Assert.Throws<ArgumentException>(() => ModuleSigner.Sign(TestKeys.Module(), TestKeys.P256.PrivateKey, TestKeys.P256.Certificate, hash));

    [Fact]
    public void Sign_ModuleWithMalformedTrailer_IsRefusedRatherThanStacked()
    {
        byte[] module = [.. TestKeys.Module(100), .. new byte[12], .. AppendedSignature.Marker];
        Assert.Throws<InvalidDataException>(() => TestKeys.Sign(module, TestKeys.P256));
    }
}
