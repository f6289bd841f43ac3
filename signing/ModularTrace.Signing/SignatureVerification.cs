using System.Security.Cryptography.X509Certificates;

namespace ModularTrace.Signing;

/// <summary>The result of <see cref="SignatureVerifier.Verify(byte[], Keyrings)"/>: a status, one line of reason, and what was learnt on the way.</summary>
/// <param name="Status">The outcome; only <see cref="SignatureStatus.Valid"/> means the module may be trusted.</param>
/// <param name="Reason">One line saying why, e.g. <c>signature does not match the module bytes</c>.</param>
/// <param name="Payload">The module bytes without the signature (for an unsigned file, the whole file; empty when the trailer is malformed).</param>
public sealed record SignatureVerification(SignatureStatus Status, string Reason, ReadOnlyMemory<byte> Payload)
{
    /// <summary>Whether <see cref="Status"/> is <see cref="SignatureStatus.Valid"/>.</summary>
    public bool IsValid => Status == SignatureStatus.Valid;

    /// <summary>The signer's common name: the keyring certificate's subject, or the issuer named by the signature when no keyring holds it.</summary>
    public string? Signer { get; init; }

    /// <summary>The signer's key id in lower-case hex: the serial number for issuer+serial, the subject key identifier otherwise.</summary>
    public string? KeyId { get; init; }

    /// <summary>Whether the signer is identified by subject key identifier (sign-file <c>-k</c>) rather than issuer+serial.</summary>
    public bool KeyIdIsSubjectKeyIdentifier { get; init; }

    /// <summary>The digest the signature uses: <c>sha256</c>, <c>sha384</c> or <c>sha512</c>.</summary>
    public string? HashAlgorithm { get; init; }

    /// <summary>The signature's key type: <c>rsa</c> or <c>ecdsa</c>.</summary>
    public string? SignatureAlgorithm { get; init; }

    /// <summary>The keyring holding the matched certificate.</summary>
    public KeyringKind? Keyring { get; init; }

    /// <summary>The keyring certificate the signature names.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>SHA-256 of <see cref="Payload"/>, lower-case hex (null when the trailer is malformed).</summary>
    public string? PayloadSha256 { get; init; }
}
