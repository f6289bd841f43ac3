using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace ModularTrace.Signing;

/// <summary>
/// Verifies a module's appended signature against keyrings, the way the kernel's <c>mod_verify_sig()</c> does,
/// and returns a status for every input: bad input is an outcome, never an exception.
/// </summary>
/// <remarks>
/// The trust decision is made here, not by <c>SignedCms</c>: messages that embed certificates are refused, the
/// signer is looked up in the keyrings by issuer+serial or subject key identifier, and only that certificate's key
/// is used to check the signature (NOTES-DOTNET §1).
/// </remarks>
public static class SignatureVerifier
{
    /// <summary>Verifies <paramref name="signedFile"/> (the whole file, read once) against <paramref name="keyrings"/>.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static SignatureVerification Verify(byte[] signedFile, Keyrings keyrings)
    {
        ArgumentNullException.ThrowIfNull(signedFile);
        return Verify(signedFile.AsMemory(), keyrings);
    }

    /// <summary>Verifies against certificates treated as the builtin keyring.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static SignatureVerification Verify(byte[] signedFile, X509Certificate2Collection trusted)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        return Verify(signedFile, new Keyrings(trusted));
    }

    /// <summary>Verifies <paramref name="signedFile"/> (the whole file, read once) against <paramref name="keyrings"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="keyrings"/> is null.</exception>
    public static SignatureVerification Verify(ReadOnlyMemory<byte> signedFile, Keyrings keyrings)
    {
        ArgumentNullException.ThrowIfNull(keyrings);
        if (!AppendedSignature.TryParse(signedFile, out var appended, out var failure, out var reason))
        {
            if (failure != SignatureStatus.Unsigned)
            {
                return new SignatureVerification(failure, reason, ReadOnlyMemory<byte>.Empty);
            }

            // Unsigned is forgivable under a permissive policy, so a blacklisted hash has to be caught here too.
            var wholeHash = Sha256(signedFile.Span);
            return keyrings.IsModuleBlacklisted(wholeHash)
                ? new SignatureVerification(SignatureStatus.Blacklisted, $"module hash {wholeHash} is blacklisted", signedFile) { PayloadSha256 = wholeHash }
                : new SignatureVerification(SignatureStatus.Unsigned, reason, signedFile) { PayloadSha256 = wholeHash };
        }

        var payload = appended.Payload;
        var payloadHash = Sha256(payload.Span);
        var result = new SignatureVerification(SignatureStatus.Valid, "signature valid", payload) { PayloadSha256 = payloadHash };

        // Stacked signatures: a signed payload that itself ends with a signature. The kernel would verify the outer one
        // only; here the module-hash blacklist names payloads, and an inner layer would let a blacklisted module come back
        // wrapped in a new signature, so a second layer is refused under every policy.
        if (AppendedSignature.HasMarker(payload.Span))
        {
            return result with
            {
                Status = SignatureStatus.Malformed,
                Reason = "the signed payload itself ends with a module signature (stacked signatures are refused)",
            };
        }

        // The module hash wins over everything, a valid signature by a trusted key included (kernel: blacklist_hash).
        if (keyrings.IsModuleBlacklisted(payloadHash))
        {
            return result with { Status = SignatureStatus.Blacklisted, Reason = $"module hash {payloadHash} is blacklisted" };
        }

        if (!KernelPkcs7.TryRead(appended.Pkcs7, out var signer, out failure, out reason))
        {
            return result with { Status = failure, Reason = reason };
        }

        result = result with
        {
            KeyId = Convert.ToHexStringLower(signer.KeyIdBytes),
            KeyIdIsSubjectKeyIdentifier = signer.SubjectKeyId is not null,
            HashAlgorithm = signer.HashAlgorithm,
            SignatureAlgorithm = signer.SignatureAlgorithm,
            Signer = IssuerCommonName(signer),
        };
        var candidates = keyrings.Candidates(signer);
        if (candidates.Count == 0)
        {
            var named = signer.SubjectKeyId is not null
                ? $"subject key id {result.KeyId}"
                : $"issuer '{result.Signer}', serial {result.KeyId}";
            return result with { Status = SignatureStatus.UnknownKey, Reason = $"signed with unavailable key ({named})" };
        }

        // Every certificate the signer could mean is considered, not the first found: each whose key made this signature
        // is the signer, and the blacklist wins if it covers any of them (a second encoding of a blacklisted certificate,
        // a second certificate for a blacklisted key, a certificate whose only voucher was blacklisted).
        (X509Certificate2 Certificate, KeyringKind Keyring)? signerCertificate = null;
        foreach (var (candidate, keyring) in candidates)
        {
            if (!CheckSignature(appended, candidate))
            {
                continue;
            }

            if (keyrings.Distrust(keyring, candidate) is { } distrust)
            {
                return result with
                {
                    Status = SignatureStatus.Blacklisted,
                    Signer = CertificateFile.CommonName(candidate),
                    Keyring = keyring,
                    Certificate = candidate,
                    Reason = $"signing key {distrust}",
                };
            }

            signerCertificate ??= (candidate, keyring);
        }

        if (signerCertificate is var (certificate, ring))
        {
            return result with { Signer = CertificateFile.CommonName(certificate), Keyring = ring, Certificate = certificate };
        }

        var (first, firstKeyring) = candidates[0];
        return result with
        {
            Status = SignatureStatus.BadSignature,
            Signer = CertificateFile.CommonName(first),
            Keyring = firstKeyring,
            Certificate = first,
            Reason = "signature does not match the module bytes",
        };
    }

    private static bool CheckSignature(AppendedSignature appended, X509Certificate2 certificate)
    {
        try
        {
            var cms = new SignedCms(new ContentInfo(appended.Payload.ToArray()), detached: true);
            cms.Decode(appended.Pkcs7.Span);

            // KernelPkcs7 refused embedded certificates already; checked again because this is the trap that makes
            // SignedCms trust an attacker's certificate.
            if (cms.Certificates.Count != 0 || cms.SignerInfos.Count != 1)
            {
                return false;
            }

            var signerInfo = cms.SignerInfos[0];
            signerInfo.CheckSignature([certificate], verifySignatureOnly: true);
            return signerInfo.Certificate is null || signerInfo.Certificate.RawData.AsSpan().SequenceEqual(certificate.RawData);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static string? IssuerCommonName(Pkcs7Signer signer)
    {
        if (signer.Issuer is null)
        {
            return null;
        }

        try
        {
            var name = new X500DistinguishedName(signer.Issuer);
            var cn = name.EnumerateRelativeDistinguishedNames()
                .FirstOrDefault(rdn => rdn.GetSingleElementType().Value == "2.5.4.3")?.GetSingleElementValue();
            // Attacker-controlled text (the file need not be trusted to get here): no control characters, bounded.
            return Text.DisplayText.Printable(string.IsNullOrEmpty(cn) ? name.Name : cn, max: 128);
        }
        catch (Exception ex) when (ex is CryptographicException or AsnContentException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
