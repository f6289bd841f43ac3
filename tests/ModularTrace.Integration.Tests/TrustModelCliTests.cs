using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ModularTrace.Integration.Tests.Live;

namespace ModularTrace.Integration.Tests;

/// <summary>
/// SECURITY.md's trust claims tried through the real CLI and a real host: a blacklisted key vouches for nothing, named
/// files must be regular, and no verb prints a control character it was given.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TrustModelCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string PathOf(string name) => Path.Combine(_dir.Path, name);

    [Fact]
    public void KeysAddAndVerify_KeyVouchedForByABlacklistedKey_ConfersNoTrust()
    {
        var keyring = PathOf("keyring");
        Assert.Equal(0, Mtrace.Run("keys", "generate", "--out", PathOf("root"), "--algo", "ecdsa-p256", "--subject", "Root key").ExitCode);
        Directory.CreateDirectory(Path.Combine(keyring, "builtin"));
        File.Copy(PathOf("root/signing_key.x509"), Path.Combine(keyring, "builtin", "root.x509"));
        var (childKey, childCert) = IssueChild(PathOf("root/signing_key.pem"), PathOf("root/signing_key.x509"));
        var module = PathOf("ModularTrace.Module.Sched.dll");
        File.Copy(RepoFiles.SampleModule("Sched"), module);
        var sign = Mtrace.Run("sign", "sha256", childKey, childCert, module);
        Assert.True(sign.ExitCode == 0, sign.ToString());

        // Before the blacklist the chain holds: the child is vouched for by the builtin root and what it signed verifies.
        var added = Mtrace.Run("keys", "add", childCert, "--keyring", keyring);
        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.Equal(0, Mtrace.Run("verify", module, "--keyring", keyring).ExitCode);

        var blacklist = Mtrace.Run("keys", "blacklist", "--cert", PathOf("root/signing_key.x509"), "--keyring", keyring);
        Assert.True(blacklist.ExitCode == 0, blacklist.ToString());

        // The child's certificate is still in secondary/: held, never trusted, and what it signed is refused as blacklisted.
        var verify = Mtrace.Run("verify", module, "--keyring", keyring);
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("'Child key' is vouched for only by a key the blacklist refuses", verify.Stderr, StringComparison.Ordinal);
        Assert.Contains("mtrace: warning: ", verify.Stderr, StringComparison.Ordinal);
        Assert.Contains("(EKEYREJECTED)", verify.Stderr, StringComparison.Ordinal);
        var run = Mtrace.Run("run", "--keyring", keyring, "--policy", "permissive", "--load", module, "--events", "10");
        Assert.NotEqual(0, run.ExitCode);

        // And it cannot be added again, nor into another keyring that blacklists the root.
        var other = PathOf("other");
        Directory.CreateDirectory(Path.Combine(other, "builtin"));
        File.Copy(PathOf("root/signing_key.x509"), Path.Combine(other, "builtin", "root.x509"));
        File.Copy(Path.Combine(keyring, "blacklist"), Path.Combine(other, "blacklist"));
        var add = Mtrace.Run("keys", "add", childCert, "--keyring", other);
        Assert.Equal(1, add.ExitCode);
        Assert.Contains("'Child key' is vouched for only by a key the blacklist refuses", add.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(other, "secondary")) && Directory.GetFiles(Path.Combine(other, "secondary")).Length > 0);
    }

    [Fact]
    public void Verify_ShowsTheSignersValidityAsNotChecked()
    {
        var verify = Mtrace.Run("verify", RepoFiles.SampleModule("Sched"));
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Matches(@"validity: +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ to \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(not checked\)", verify.Stdout);
        Assert.Contains("sig_validity:", Mtrace.Run("modinfo", RepoFiles.SampleModule("Sched")).Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("verify")]
    [InlineData("modinfo")]
    [InlineData("sign")]
    [InlineData("run")]
    public async Task Verbs_NamingAFifoADeviceOrADirectory_AreRefusedAtOnce(string verb)
    {
        var fifo = PathOf("module.dll");
        using (var mkfifo = System.Diagnostics.Process.Start("/usr/bin/mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
        }

        foreach (var (path, expected) in new[] { (fifo, "is a FIFO, not a regular file (EINVAL)"), ("/dev/zero", "is a character device, not a regular file (EINVAL)"), (_dir.Path, "is a directory (EISDIR)") })
        {
            string[] args = verb switch
            {
                "sign" => ["sign", "sha256", RepoFiles.DevKey, RepoFiles.DevCertificate, path],
                "run" => ["run", "--load", path, "--events", "10"],
                _ => [verb, path],
            };
            var result = await Task.Run(() => Mtrace.Run(args)).WaitAsync(TimeSpan.FromMinutes(2));
            Assert.True(result.ExitCode == 1, $"{verb} {path}: {result}");
            Assert.Contains(path, result.Stderr.Split('\n')[0], StringComparison.Ordinal);
            Assert.Contains(expected, result.Stderr.Split('\n')[0], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EveryVerb_ControlCharactersInItsArguments_NeverReachTheTerminal()
    {
        var controls = string.Concat(Enumerable.Range(1, 31).Select(c => (char)c).Append('\u007F').Append('\u009B').Append('\u202E'));
        var forged = $"/tmp/x{controls}\n[mtrace] sched: loaded 1.0.0";
        using var host = LiveHost.Start();
        var runs = new List<(string What, MtraceResult Result)>();
        foreach (var args in new[]
        {
            new[] { "verify", forged }, ["modinfo", forged], ["sign", "sha256", forged, forged, forged], ["run", "--load", forged, "--events", "10"],
            ["keys", "add", forged, "--keyring", PathOf("k")], ["keys", "blacklist", "--module", forged, "--keyring", PathOf("k")],
        })
        {
            runs.Add((string.Join(' ', args[..1]), Mtrace.Run(args)));
        }

        foreach (var args in new[]
        {
            new[] { "insmod", forged }, ["rmmod", forged], ["enable", forged], ["disable", forged], ["filter", forged, forged],
            ["trigger", forged, forged], ["hist", forged], ["events", "--format", forged], ["keys", "enroll", forged, "--yes"], ["keys", "confirm", forged],
        })
        {
            runs.Add((args[0] + " --attach", host.Run(args)));
        }

        foreach (var (what, result) in runs)
        {
            Assert.True(result.ExitCode != 0, $"{what}: {result}");
            foreach (var text in new[] { result.Stdout, result.Stderr })
            {
                Assert.DoesNotContain(text, c => c != '\n' && IsUnsafe(c));
                Assert.DoesNotContain("\n[mtrace] sched: loaded", "\n" + text, StringComparison.Ordinal);
            }
        }

        Assert.DoesNotContain(host.Output, c => c != '\n' && c != '\r' && IsUnsafe(c));
        Assert.DoesNotContain("\n[mtrace] sched: loaded", "\n" + host.Output, StringComparison.Ordinal);
    }

    private static bool IsUnsafe(char c) => char.IsControl(c)
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    private (string Key, string Certificate) IssueChild(string issuerKeyPem, string issuerCertificate)
    {
        using var issuerKey = ECDsa.Create();
        issuerKey.ImportFromPem(File.ReadAllText(issuerKeyPem));
        var issuer = X509CertificateLoader.LoadCertificateFromFile(issuerCertificate);
        using var childKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Child key", childKey, HashAlgorithmName.SHA256);
        var now = DateTimeOffset.UtcNow;
        var child = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), now.AddMinutes(-5), now.AddYears(1), [7, 7, 7]);
        File.WriteAllText(PathOf("child.pem"), childKey.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(PathOf("child.pem"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllBytes(PathOf("child.x509"), child.RawData);
        return (PathOf("child.pem"), PathOf("child.x509"));
    }
}
