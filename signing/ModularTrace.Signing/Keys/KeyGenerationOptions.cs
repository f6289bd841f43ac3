namespace ModularTrace.Signing;

/// <summary>The key types <see cref="KeyGenerator"/> makes.</summary>
public enum SigningKeyAlgorithm
{
    /// <summary>RSA, PKCS#1 v1.5 signatures (the kernel's default; <see cref="KeyGenerationOptions.RsaKeySize"/> bits).</summary>
    Rsa,

    /// <summary>ECDSA on NIST P-256.</summary>
    EcdsaP256,

    /// <summary>ECDSA on NIST P-384 (the kernel's <c>CONFIG_MODULE_SIG_KEY_TYPE_ECDSA</c> curve).</summary>
    EcdsaP384,
}

/// <summary>What <see cref="KeyGenerator.Generate"/> makes; the defaults match <c>keys/x509.genkey</c>.</summary>
public sealed record KeyGenerationOptions
{
    /// <summary>The subject common name used when none is given.</summary>
    public const string DefaultSubject = "ModularTrace development signing key";

    /// <summary>Key type; RSA by default.</summary>
    public SigningKeyAlgorithm Algorithm { get; init; } = SigningKeyAlgorithm.Rsa;

    /// <summary>RSA modulus size in bits; 4096 by default, as the kernel's <c>x509.genkey</c>.</summary>
    public int RsaKeySize { get; init; } = 4096;

    /// <summary>Subject common name (CN).</summary>
    public string Subject { get; init; } = DefaultSubject;

    /// <summary>Subject organisation (O).</summary>
    public string Organization { get; init; } = "ModularTrace";

    /// <summary>Validity from now; 36500 days (the kernel's <c>-days 36500</c>) by default.</summary>
    public TimeSpan Validity { get; init; } = TimeSpan.FromDays(36500);
}
