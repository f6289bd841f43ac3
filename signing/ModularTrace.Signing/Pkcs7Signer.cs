namespace ModularTrace.Signing;

/// <summary>What a kernel-style PKCS#7 message says about its one signer, read from the DER before any crypto runs.</summary>
/// <param name="Issuer">The issuer Name (DER) for an issuer+serial identifier; null for a subject key identifier.</param>
/// <param name="Serial">The serial number's INTEGER content bytes; null for a subject key identifier.</param>
/// <param name="SubjectKeyId">The subject key identifier; null for issuer+serial.</param>
/// <param name="HashAlgorithm">The digest: <c>sha256</c>, <c>sha384</c> or <c>sha512</c>.</param>
/// <param name="SignatureAlgorithm">The key type: <c>rsa</c> or <c>ecdsa</c>.</param>
internal sealed record Pkcs7Signer(byte[]? Issuer, byte[]? Serial, byte[]? SubjectKeyId, string HashAlgorithm, string SignatureAlgorithm)
{
    /// <summary>The key identifier bytes as the kernel prints them (serial without a sign byte, or the SKI).</summary>
    public byte[] KeyIdBytes
    {
        get
        {
            if (SubjectKeyId is not null)
            {
                return SubjectKeyId;
            }

            var serial = Serial!;
            return serial.Length > 1 && serial[0] == 0 ? serial[1..] : serial;
        }
    }
}
