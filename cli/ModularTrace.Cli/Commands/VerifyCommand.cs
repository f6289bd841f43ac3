using System.CommandLine;
using System.Text.Json;
using ModularTrace.Signing;

namespace ModularTrace.Cli.Commands;

/// <summary><c>mtrace verify</c>: check a module's appended signature against keyrings; exit 0 only when valid.</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var module = new Argument<string>("module") { Description = "The signed module file." };
        var json = new Option<bool>("--json") { Description = "Print the verification result as JSON (the exit status still says whether it is valid)." };
        var trust = new TrustOptions();
        var command = new Command("verify", "Verify a module's signature: prints signer, key id, hash algorithm and keyring; exits non-zero unless valid.") { module, json };
        trust.AddTo(command);
        command.SetAction(result =>
        {
            var path = result.GetValue(module)!;
            var keyrings = trust.Resolve(result, requireSomething: true);
            var verification = SignatureVerifier.Verify(CliFiles.ReadBytes(path), keyrings);
            var output = result.InvocationConfiguration.Output;
            if (result.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(ToJson(path, verification), CliJson.Options));
            }
            else if (verification.IsValid)
            {
                output.WriteLine($"{path}: signature valid");
                output.WriteLine($"signer:          {verification.Signer}");
                output.WriteLine($"key_id:          {verification.KeyId}{(verification.KeyIdIsSubjectKeyIdentifier ? " (subject key identifier)" : " (serial)")}");
                output.WriteLine($"hash_algo:       {verification.HashAlgorithm}");
                output.WriteLine($"sig_algo:        {verification.SignatureAlgorithm}");
                output.WriteLine($"keyring:         {verification.Keyring.ToString()!.ToLowerInvariant()}");
                output.WriteLine($"validity:        {CertificateFile.Validity(verification.Certificate!, DateTimeOffset.UtcNow)}");
                output.WriteLine($"payload_sha256:  {verification.PayloadSha256}");
            }

            if (!verification.IsValid)
            {
                throw new CliException($"{path}: {Describe(verification)}", Hint(verification.Status));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>One line: the reason with its class and the kernel errno, e.g. <c>malformed signature: sig_len is 0 (EBADMSG)</c>.</summary>
    public static string Describe(SignatureVerification verification)
    {
        var prefix = verification.Status switch
        {
            SignatureStatus.Malformed => "malformed signature: ",
            SignatureStatus.UnsupportedCrypto => "unsupported signature: ",
            _ => "",
        };
        return verification.IsValid ? "signature valid" : $"{prefix}{verification.Reason} ({verification.Status.ToErrno()})";
    }

    private static string Hint(SignatureStatus status) => status switch
    {
        SignatureStatus.Unsigned => "sign it with 'mtrace sign sha256 keys/signing_key.pem keys/signing_key.x509 <module>'",
        SignatureStatus.UnknownKey => "trust the signer with --cert FILE, or add it to a keyring with 'mtrace keys add' or 'mtrace keys enroll'",
        SignatureStatus.BadSignature => "the module changed after it was signed, or was signed over other bytes; sign it again",
        SignatureStatus.Blacklisted => "the key or the module is on the keyring's blacklist; use a different key or build",
        _ => "sign the module again with 'mtrace sign' or the kernel's sign-file",
    };

    private static VerifyJson ToJson(string path, SignatureVerification v) => new(
        path,
        v.Status.ToDisplayName(),
        v.Status.ToErrno(),
        v.IsValid,
        v.Reason,
        v.Signer,
        v.KeyId,
        v.KeyIdIsSubjectKeyIdentifier ? "subject_key_identifier" : v.KeyId is null ? null : "issuer_and_serial",
        v.HashAlgorithm,
        v.SignatureAlgorithm,
        v.Keyring?.ToString().ToLowerInvariant(),
        v.Certificate is null ? null : CertificateFile.Sha256Hex(v.Certificate),
        v.Certificate is null ? null : new DateTimeOffset(v.Certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero),
        v.Certificate is null ? null : new DateTimeOffset(v.Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero),
        v.PayloadSha256,
        v.Payload.Length);

    private sealed record VerifyJson(
        string Module,
        string Status,
        string Errno,
        bool Valid,
        string Reason,
        string? Signer,
        string? KeyId,
        string? KeyIdType,
        string? HashAlgorithm,
        string? SignatureAlgorithm,
        string? Keyring,
        string? CertificateSha256,
        DateTimeOffset? NotBefore,
        DateTimeOffset? NotAfter,
        string? PayloadSha256,
        int PayloadSize);
}
