using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ModularTrace.Signing;

namespace ModularTrace.Signing.Tests;

/// <summary>Keys generated once per test run (RSA-2048 keeps it quick; the defaults are tested on their own).</summary>
internal static class TestKeys
{
    private static readonly Lazy<SigningKey> s_rsa = new(() => Make(SigningKeyAlgorithm.Rsa, "ModularTrace test RSA key"));
    private static readonly Lazy<SigningKey> s_p256 = new(() => Make(SigningKeyAlgorithm.EcdsaP256, "ModularTrace test P-256 key"));
    private static readonly Lazy<SigningKey> s_p384 = new(() => Make(SigningKeyAlgorithm.EcdsaP384, "ModularTrace test P-384 key"));
    private static readonly Lazy<SigningKey> s_attacker = new(() => Make(SigningKeyAlgorithm.EcdsaP256, "Attacker"));

    public static SigningKey Rsa => s_rsa.Value;

    public static SigningKey P256 => s_p256.Value;

    public static SigningKey P384 => s_p384.Value;

    public static SigningKey Attacker => s_attacker.Value;

    public static SigningKey ByName(string name) => name switch
    {
        "rsa" => Rsa,
        "p256" => P256,
        "p384" => P384,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown test key"),
    };

    public static SigningKey Make(SigningKeyAlgorithm algorithm, string subject)
        => KeyGenerator.Generate(new KeyGenerationOptions { Algorithm = algorithm, RsaKeySize = 2048, Subject = subject });

    public static Keyrings Trusting(params SigningKey[] keys) => new(keys.Select(key => key.Certificate));

    public static byte[] Module(int length = 1000, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static byte[] Sign(byte[] module, SigningKey key, string hash = "sha256", bool useKeyId = false)
        => ModuleSigner.Sign(module, key.PrivateKey, key.Certificate, hash, useKeyId);

    /// <summary>A certificate for <paramref name="subjectKey"/> issued (signed) by <paramref name="issuer"/>.</summary>
    public static X509Certificate2 IssuedBy(SigningKey issuer, ECDsa subjectKey, string subject)
    {
        var request = new CertificateRequest($"CN={subject}", subjectKey, HashAlgorithmName.SHA256);
        var generator = issuer.PrivateKey is RSA rsa
            ? X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1)
            : X509SignatureGenerator.CreateForECDsa((ECDsa)issuer.PrivateKey);
        var now = DateTimeOffset.UtcNow;
        return request.Create(issuer.Certificate.SubjectName, generator, now.AddMinutes(-5), now.AddYears(10), [1, 2, 3, 4, 5]);
    }
}
