using System.Buffers.Binary;
using ModularTrace.Signing;

namespace ModularTrace.Interop.Tests;

/// <summary>
/// Our format against the kernel's own tools: modules signed by scripts/sign-file verify with our verifier and
/// with <c>mtrace verify</c>; modules signed by <c>mtrace sign</c> carry sign-file's layout and a PKCS#7 message
/// that <c>openssl cms -verify</c> accepts, and rejects once the payload changes.
/// </summary>
public sealed class SignFileInteropTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mtrace-interop-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, string, bool> KeysHashesAndIds => new()
    {
        { "openssl-rsa", "sha256", false },
        { "openssl-rsa", "sha512", true },
        { "openssl-p384", "sha384", false },
        { "openssl-p384", "sha256", true },
        { "ours-rsa", "sha384", false },
        { "ours-p256", "sha512", true },
        { "ours-p384", "sha256", false },
    };

    [ToolTheory(ExternalTool.OpenSsl, ExternalTool.SignFile)]
    [MemberData(nameof(KeysHashesAndIds))]
    public void SignFile_SignedModule_VerifiesWithOurVerifierAndMtrace(string keySource, string hash, bool useKeyId)
    {
        var (key, cert) = MakeKey(keySource);
        var module = WriteModule("kernel-signed.ko");
        var original = File.ReadAllBytes(module);
        string[] flags = useKeyId ? ["-k"] : [];

        var signFile = ExternalTool.Run(ExternalTool.SignFile, _dir, [.. flags, hash, key, cert, module]);
        Assert.True(signFile.ExitCode == 0, signFile.ToString());

        var signed = File.ReadAllBytes(module);
        var result = SignatureVerifier.Verify(signed, new Keyrings([CertificateFile.Load(cert)]));
        Assert.True(result.IsValid, $"{result.Status}: {result.Reason}");
        Assert.Equal(original, result.Payload.ToArray());
        Assert.Equal(hash, result.HashAlgorithm);
        Assert.Equal(useKeyId, result.KeyIdIsSubjectKeyIdentifier);
        Assert.Equal(keySource.EndsWith("rsa", StringComparison.Ordinal) ? "rsa" : "ecdsa", result.SignatureAlgorithm);

        var verify = ExternalTool.Mtrace(_dir, "verify", module, "--cert", cert);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains($"hash_algo:       {hash}", verify.Stdout, StringComparison.Ordinal);

        // The same bytes with one payload byte changed: sign-file's signature must no longer pass.
        signed[10] ^= 0x40;
        Assert.Equal(SignatureStatus.BadSignature, SignatureVerifier.Verify(signed, new Keyrings([CertificateFile.Load(cert)])).Status);
    }

    [ToolTheory(ExternalTool.OpenSsl)]
    [MemberData(nameof(KeysHashesAndIds))]
    public void MtraceSign_Output_HasSignFileLayoutAndOpensslCmsVerifiesIt(string keySource, string hash, bool useKeyId)
    {
        var (key, cert) = MakeKey(keySource);
        var module = WriteModule("mtrace-signed.ko");
        var original = File.ReadAllBytes(module);
        var dest = Path.Combine(_dir, "signed.ko");
        string[] flags = useKeyId ? ["-p", "-k"] : ["-p"];

        var sign = ExternalTool.Mtrace(_dir, ["sign", .. flags, hash, key, cert, module, dest]);
        Assert.True(sign.ExitCode == 0, sign.ToString());

        // Read the layout by hand (not with our parser): payload | PKCS#7 | info | marker.
        var signed = File.ReadAllBytes(dest);
        Assert.Equal("~Module signature appended~\n"u8.ToArray(), signed[^28..]);
        var info = signed[^40..^28];
        Assert.Equal(new byte[] { 0, 0, 2, 0, 0, 0, 0, 0 }, info[..8]);
        var sigLen = BinaryPrimitives.ReadInt32BigEndian(info.AsSpan(8));
        Assert.Equal(original.Length, signed.Length - 40 - sigLen);
        Assert.Equal(original, signed[..original.Length]);
        var pkcs7 = signed[original.Length..(original.Length + sigLen)];
        Assert.Equal(File.ReadAllBytes(module + ".p7s"), pkcs7);

        var sigFile = Path.Combine(_dir, "sig.p7s");
        var payloadFile = Path.Combine(_dir, "payload");
        var certPem = Path.Combine(_dir, "cert.pem");
        File.WriteAllBytes(sigFile, pkcs7);
        File.WriteAllBytes(payloadFile, original);
        File.WriteAllText(certPem, CertificateFile.Load(cert).ExportCertificatePem());

        // -nointern: the signer must come from -certfile (there is none inside); -noverify: no chain building for a
        // self-signed development certificate; the signature itself is still checked.
        var verify = ExternalTool.Run(ExternalTool.OpenSsl, _dir, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigFile, "-content", payloadFile, "-certfile", certPem, "-nointern", "-noverify", "-out", "/dev/null");
        Assert.True(verify.ExitCode == 0, verify.ToString());

        var structure = ExternalTool.Run(ExternalTool.OpenSsl, _dir, "cms", "-cmsout", "-print", "-inform", "DER", "-in", sigFile);
        Assert.True(structure.ExitCode == 0, structure.ToString());
        Assert.Matches(@"certificates:\s+<ABSENT>", structure.Stdout);
        Assert.Matches(@"signedAttrs:\s+<ABSENT>", structure.Stdout);
        Assert.Matches(@"eContent: <ABSENT>", structure.Stdout);
        Assert.Contains(useKeyId ? "d.subjectKeyIdentifier" : "d.issuerAndSerialNumber", structure.Stdout, StringComparison.Ordinal);

        // Proof the check can fail: one changed payload byte and openssl refuses.
        original[0] ^= 1;
        File.WriteAllBytes(payloadFile, original);
        var tampered = ExternalTool.Run(ExternalTool.OpenSsl, _dir, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigFile, "-content", payloadFile, "-certfile", certPem, "-nointern", "-noverify", "-out", "/dev/null");
        Assert.NotEqual(0, tampered.ExitCode);
    }

    public static TheoryData<string, string, bool> RsaKeysHashesAndIds => new()
    {
        { "openssl-rsa", "sha256", false },
        { "openssl-rsa", "sha384", true },
        { "openssl-rsa", "sha512", false },
        { "ours-rsa", "sha256", true },
        { "ours-rsa", "sha512", false },
    };

    [ToolTheory(ExternalTool.OpenSsl, ExternalTool.SignFile)]
    [MemberData(nameof(RsaKeysHashesAndIds))]
    public void MtraceSign_RsaKey_IsByteIdenticalToSignFile(string keySource, string hash, bool useKeyId)
    {
        // RSA PKCS#1 v1.5 is deterministic: same key, hash, signer id and input give the same signed file, to the
        // byte (the rsaEncryption AlgorithmIdentifier's NULL parameters included, which .NET's SignedCms leaves out).
        var (key, cert) = MakeKey(keySource);
        var kernelSigned = WriteModule("both-signed.ko");
        var mtraceSigned = Path.Combine(_dir, "both-signed.mtrace.ko");
        File.Copy(kernelSigned, mtraceSigned);
        string[] flags = useKeyId ? ["-k"] : [];

        var signFile = ExternalTool.Run(ExternalTool.SignFile, _dir, [.. flags, hash, key, cert, kernelSigned]);
        Assert.True(signFile.ExitCode == 0, signFile.ToString());
        var sign = ExternalTool.Mtrace(_dir, ["sign", .. flags, hash, key, cert, mtraceSigned]);
        Assert.True(sign.ExitCode == 0, sign.ToString());

        var expected = File.ReadAllBytes(kernelSigned);
        var actual = File.ReadAllBytes(mtraceSigned);
        var first = Enumerable.Range(0, Math.Min(expected.Length, actual.Length)).FirstOrDefault(i => expected[i] != actual[i], -1);
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"sign-file wrote {expected.Length} bytes, mtrace sign {actual.Length}; first difference at byte {first}");
    }

    [ToolFact(ExternalTool.OpenSsl)]
    public void KeyGenerator_Certificate_HasTheGenkeyExtensionsAsOpensslReadsThem()
    {
        var (_, cert) = MakeKey("ours-p256");
        var text = ExternalTool.Run(ExternalTool.OpenSsl, _dir, "x509", "-inform", "DER", "-in", cert, "-noout", "-text");
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Matches(@"X509v3 Basic Constraints: critical\s+CA:FALSE", text.Stdout);
        Assert.Matches(@"X509v3 Key Usage: critical\s+Digital Signature\s", text.Stdout);
        Assert.Matches(@"X509v3 Extended Key Usage:\s+Code Signing", text.Stdout);
        Assert.Contains("X509v3 Subject Key Identifier", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("X509v3 Authority Key Identifier", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("Signature Algorithm: ecdsa-with-SHA512", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("Subject: O = ModularTrace, CN = ModularTrace interop key", text.Stdout, StringComparison.Ordinal);
    }

    [ToolFact(ExternalTool.OpenSsl, ExternalTool.SignFile)]
    public void SignFile_DetachedMode_MatchesWhatOurVerifierExpectsInsideTheTrailer()
    {
        // sign-file -d writes only <module>.p7s; appended by hand it must verify like a sign-file-signed module.
        var (key, cert) = MakeKey("openssl-rsa");
        var module = WriteModule("detached.ko");
        var result = ExternalTool.Run(ExternalTool.SignFile, _dir, "-d", "sha256", key, cert, module);
        Assert.True(result.ExitCode == 0, result.ToString());
        var signed = AppendedSignature.Append(File.ReadAllBytes(module), File.ReadAllBytes(module + ".p7s"));
        Assert.Equal(SignatureStatus.Valid, SignatureVerifier.Verify(signed, new Keyrings([CertificateFile.Load(cert)])).Status);
    }

    private string WriteModule(string name)
    {
        var bytes = new byte[4096 + name.Length];
        new Random(name.Length).NextBytes(bytes);
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>A key pair as (private key PEM, DER certificate): from openssl req with keys/x509.genkey, or from our KeyGenerator.</summary>
    private (string Key, string Cert) MakeKey(string source)
    {
        var key = Path.Combine(_dir, $"{source}.pem");
        var cert = Path.Combine(_dir, $"{source}.x509");
        if (source.StartsWith("openssl-", StringComparison.Ordinal))
        {
            string[] newKey = source == "openssl-rsa" ? ["-newkey", "rsa:2048"] : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp384r1"];
            var request = ExternalTool.Run(ExternalTool.OpenSsl, _dir, [
                "req", "-new", "-nodes", "-utf8", "-sha512", "-days", "36500", "-batch", "-x509",
                "-config", Path.Combine(RepoRoot(), "keys", "x509.genkey"), .. newKey, "-outform", "PEM", "-out", key, "-keyout", key]);
            Assert.True(request.ExitCode == 0, request.ToString());
            var der = ExternalTool.Run(ExternalTool.OpenSsl, _dir, "x509", "-in", key, "-outform", "DER", "-out", cert);
            Assert.True(der.ExitCode == 0, der.ToString());
            return (key, cert);
        }

        var options = new KeyGenerationOptions
        {
            Algorithm = source switch
            {
                "ours-p256" => SigningKeyAlgorithm.EcdsaP256,
                "ours-p384" => SigningKeyAlgorithm.EcdsaP384,
                _ => SigningKeyAlgorithm.Rsa,
            },
            RsaKeySize = 2048,
            Subject = "ModularTrace interop key",
        };
        using var generated = KeyGenerator.Generate(options);
        generated.Write(key, cert);
        return (key, cert);
    }

    private static string RepoRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ModularTrace.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no ModularTrace.sln above {AppContext.BaseDirectory}");
    }
}
