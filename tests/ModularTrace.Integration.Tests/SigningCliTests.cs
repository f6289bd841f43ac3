using System.Text.Json;

namespace ModularTrace.Integration.Tests;

/// <summary>The real <c>mtrace</c> for sign, verify, modinfo and keys, in temporary directories outside the checkout.</summary>
public sealed class SigningCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mtrace-signing-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private MtraceResult Run(params string[] args) => Mtrace.RunIn(_dir, args);

    private string Module(string name = "module.bin", int seed = 1)
    {
        var bytes = new byte[3000];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(PathOf(name), bytes);
        return PathOf(name);
    }

    private (string Key, string Cert) GenerateKey(string directory = "keys", string subject = "CLI test key")
    {
        var result = Run("keys", "generate", "--out", PathOf(directory), "--algo", "ecdsa-p256", "--subject", subject);
        Assert.True(result.ExitCode == 0, result.ToString());
        return (PathOf($"{directory}/signing_key.pem"), PathOf($"{directory}/signing_key.x509"));
    }

    private static string FirstErrorLine(MtraceResult result) => result.Stderr.Split('\n')[0];

    [Fact]
    public void GenerateSignVerifyModinfo_DevKey_RoundTrips()
    {
        var (key, cert) = GenerateKey();
        var module = Module();
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }

        var sign = Run("sign", "sha384", key, cert, module);
        Assert.True(sign.ExitCode == 0, sign.ToString());
        Assert.EndsWith("~Module signature appended~\n", File.ReadAllText(module), StringComparison.Ordinal);

        var verify = Run("verify", module, "--cert", cert);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains("signature valid", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("signer:          CLI test key", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("hash_algo:       sha384", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("keyring:         builtin", verify.Stdout, StringComparison.Ordinal);

        var json = Run("verify", module, "--cert", cert, "--json");
        using var document = JsonDocument.Parse(json.Stdout);
        Assert.True(document.RootElement.GetProperty("valid").GetBoolean());
        Assert.Equal("ecdsa", document.RootElement.GetProperty("signature_algorithm").GetString());

        // modinfo reads modules only (random bytes are refused, as by the kernel's modinfo): sign a real one.
        var real = PathOf("ModularTrace.Module.TestUnsigned.dll");
        File.Copy(RepoFiles.TestModule("TestUnsigned"), real);
        Assert.Equal(0, Run("sign", "sha384", key, cert, real).ExitCode);
        var modinfo = Run("modinfo", real, "--cert", cert);
        Assert.True(modinfo.ExitCode == 0, modinfo.ToString());
        var lines = modinfo.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"filename:       {real}", lines[0]);
        Assert.StartsWith("size:           ", lines[1], StringComparison.Ordinal);
        Assert.Contains("sig_id:         PKCS#7", lines);
        Assert.Contains("signer:         CLI test key", lines);
        Assert.Contains("sig_hashalgo:   sha384", lines);
        Assert.Contains("signature:      valid (builtin keyring)", lines);
        Assert.Matches("^sig_key:        ([0-9A-F]{2}:)*[0-9A-F]{2}$", lines.Single(line => line.StartsWith("sig_key:", StringComparison.Ordinal)));
    }

    [Fact]
    public void KeysGenerate_ExistingKey_IsRefusedUnlessForced()
    {
        var (key, _) = GenerateKey();
        var before = File.ReadAllText(key);

        var again = Run("keys", "generate", "--out", PathOf("keys"), "--algo", "ecdsa");
        Assert.Equal(1, again.ExitCode);
        Assert.Equal($"mtrace: {key} already exists", FirstErrorLine(again));
        Assert.Contains("hint: pass --force", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(key));

        Assert.Equal(0, Run("keys", "generate", "--out", PathOf("keys"), "--algo", "ecdsa", "--force").ExitCode);
        Assert.NotEqual(before, File.ReadAllText(key));
    }

    [Fact]
    public void Verify_UnsignedModule_ExitsOneWithTheReason()
    {
        var (_, cert) = GenerateKey();
        var module = Module();
        var result = Run("verify", module, "--cert", cert);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"mtrace: {module}: module is unsigned (ENODATA)", FirstErrorLine(result));
        Assert.StartsWith("  hint: ", result.Stderr.Split('\n')[1], StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public void Verify_TamperedModule_IsABadSignature()
    {
        var (key, cert) = GenerateKey();
        var module = Module();
        Assert.Equal(0, Run("sign", "sha256", key, cert, module).ExitCode);
        var bytes = File.ReadAllBytes(module);
        bytes[100] ^= 1;
        File.WriteAllBytes(module, bytes);

        var result = Run("verify", module, "--cert", cert);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"mtrace: {module}: signature does not match the module bytes (EKEYREJECTED)", FirstErrorLine(result));
    }

    [Fact]
    public void Verify_SignedByAnotherKey_IsUnavailableKey()
    {
        var (key, cert) = GenerateKey("a", "key A");
        var (_, otherCert) = GenerateKey("b", "key B");
        var module = Module();
        Assert.Equal(0, Run("sign", "sha256", key, cert, module).ExitCode);

        var result = Run("verify", module, "--cert", otherCert);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"mtrace: {module}: signed with unavailable key (issuer 'key A'", FirstErrorLine(result), StringComparison.Ordinal);
        Assert.EndsWith("(ENOKEY)", FirstErrorLine(result), StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_NoTrustOptionOutsideACheckout_SaysSoWithAHint()
    {
        var module = Module();
        var result = Run("verify", module);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("mtrace: no trusted certificate: not inside a ModularTrace checkout", FirstErrorLine(result), StringComparison.Ordinal);
        Assert.Contains("hint: pass --cert FILE or --keyring DIR", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Sign_DetachedOnly_WritesP7sAndLeavesTheModule()
    {
        var (key, cert) = GenerateKey();
        var module = Module();
        var original = File.ReadAllBytes(module);

        Assert.Equal(0, Run("sign", "-d", "sha256", key, cert, module).ExitCode);

        Assert.Equal(original, File.ReadAllBytes(module));
        Assert.Equal(0x30, File.ReadAllBytes(module + ".p7s")[0]);
    }

    [Fact]
    public void Sign_WithDestAndP_KeepsTheOriginalAndSavesTheSignature()
    {
        var (key, cert) = GenerateKey();
        var module = Module();
        var original = File.ReadAllBytes(module);
        var dest = PathOf("signed.bin");

        Assert.Equal(0, Run("sign", "-p", "sha512", key, cert, module, dest).ExitCode);

        Assert.Equal(original, File.ReadAllBytes(module));
        var signed = File.ReadAllBytes(dest);
        var p7s = File.ReadAllBytes(module + ".p7s");
        Assert.Equal(original, signed[..original.Length]);
        Assert.Equal(p7s, signed[original.Length..(original.Length + p7s.Length)]);
        Assert.Equal(0, Run("verify", dest, "--cert", cert).ExitCode);
    }

    [Theory]
    [InlineData("sha1")]
    [InlineData("md5")]
    public void Sign_UnsupportedHash_IsAUsageError(string hash)
    {
        var (key, cert) = GenerateKey();
        var result = Run("sign", hash, key, cert, Module());
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"mtrace: unsupported hash algorithm '{hash}'", FirstErrorLine(result));
    }

    [Fact]
    public void Sign_KeyFromAnotherPair_IsRefused()
    {
        var (key, _) = GenerateKey("a", "key A");
        var (_, otherCert) = GenerateKey("b", "key B");
        var result = Run("sign", "sha256", key, otherCert, Module());
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("does not match the certificate", FirstErrorLine(result), StringComparison.Ordinal);
    }

    [Fact]
    public void Keyrings_EnrolAddBlacklistList_FollowTheTrustRules()
    {
        var (key, cert) = GenerateKey("machine", "machine owner key");
        var (_, otherCert) = GenerateKey("other", "unvouched key");
        var keyring = PathOf("keyring");
        var module = Module();
        Assert.Equal(0, Run("sign", "sha256", key, cert, module).ExitCode);

        var unconfirmed = Run("keys", "enroll", cert, "--keyring", keyring);
        Assert.Equal(1, unconfirmed.ExitCode);
        Assert.Equal("mtrace: enrolment of 'machine owner key' was not confirmed: no terminal to ask on", FirstErrorLine(unconfirmed));
        Assert.Equal(1, Run("verify", module, "--keyring", keyring).ExitCode);

        var enrol = Run("keys", "enroll", cert, "--keyring", keyring, "--yes");
        Assert.True(enrol.ExitCode == 0, enrol.ToString());
        var verify = Run("verify", module, "--keyring", keyring);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains("keyring:         machine", verify.Stdout, StringComparison.Ordinal);

        var add = Run("keys", "add", otherCert, "--keyring", keyring);
        Assert.Equal(1, add.ExitCode);
        Assert.Equal("mtrace: 'unvouched key' is not signed by a builtin or secondary key", FirstErrorLine(add));

        var list = Run("keys", "list", "--keyring", keyring, "--json");
        using (var document = JsonDocument.Parse(list.Stdout))
        {
            var keys = document.RootElement.GetProperty("keys").EnumerateArray().ToList();
            Assert.Equal("machine", Assert.Single(keys).GetProperty("keyring").GetString());
        }

        Assert.Equal(0, Run("keys", "blacklist", "--module", module, "--keyring", keyring).ExitCode);
        var blacklisted = Run("verify", module, "--keyring", keyring);
        Assert.Equal(1, blacklisted.ExitCode);
        Assert.Contains("is blacklisted (EKEYREJECTED)", FirstErrorLine(blacklisted), StringComparison.Ordinal);
        Assert.Contains("bin:", Run("keys", "list", "--keyring", keyring).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void KeysBlacklist_NeitherOrBoth_IsAUsageError()
    {
        var (_, cert) = GenerateKey();
        Assert.Equal(2, Run("keys", "blacklist", "--keyring", PathOf("k")).ExitCode);
        Assert.Equal(2, Run("keys", "blacklist", "--cert", cert, "--module", cert, "--keyring", PathOf("k")).ExitCode);
    }

    [Theory]
    [InlineData("sign")]
    [InlineData("verify")]
    [InlineData("modinfo")]
    [InlineData("keys")]
    [InlineData("keys", "generate")]
    [InlineData("keys", "list")]
    [InlineData("keys", "add")]
    [InlineData("keys", "enroll")]
    [InlineData("keys", "blacklist")]
    public void Help_SigningVerbs_DescribeThemselves(params string[] verb)
    {
        var result = Run([.. verb, "--help"]);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"mtrace {string.Join(' ', verb)}", result.Stdout, StringComparison.Ordinal);
    }
}
