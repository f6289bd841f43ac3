using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using ModularTrace.Control;

namespace ModularTrace.Integration.Tests.Live;

/// <summary>Hosts that end: SIGTERM cleans up, SIGKILL leaves a stale socket the client names; lockdown refuses enrolment.</summary>
[Collection("live")]
public sealed class LiveLifecycleTests
{
    [Fact]
    public void Sigterm_UnloadsModulesAndRemovesTheSocket()
    {
        using var host = LiveHost.Start("--load", RepoFiles.SampleModule("Sched"));
        Assert.True(File.Exists(host.SocketPath));
        host.Terminate();
        Assert.True(host.WaitForExit(TimeSpan.FromSeconds(60)), host.Output);
        Assert.Equal(0, host.ExitCode);
        Assert.False(File.Exists(host.SocketPath), host.Output);
        Assert.Contains("unloaded 1 modules", host.Output, StringComparison.Ordinal);
    }

    // The McMaster plugin loader is a user's choice over the socket (and on run/host): a module with a private
    // dependency loads through it; imports are refused naming the option that exists; an unknown loader is a usage error.
    [Fact]
    public void Insmod_LoaderPlugin_LoadsThroughMcMaster_RefusesImportsAndUnknownNames()
    {
        // The module beside its private dependency, signed by the key the host trusts (the build leaves it unsigned).
        using var directory = new TempDirectory();
        var module = RepoFiles.TestModule("TestWithDependency");
        File.Copy(module, Path.Combine(directory.Path, Path.GetFileName(module)));
        using (var key = ModularTrace.Signing.SigningKey.Load(RepoFiles.DevKey, RepoFiles.DevCertificate))
        {
            var dependency = File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(module)!, "ModularTrace.TestDependency.dll"));
            File.WriteAllBytes(Path.Combine(directory.Path, "ModularTrace.TestDependency.dll"), ModularTrace.Signing.ModuleSigner.Sign(dependency, key.PrivateKey, key.Certificate, "sha256"));
        }

        using var host = LiveHost.Start("--load", RepoFiles.TestModule("TestExporter"));
        var plugin = host.Run("insmod", "--loader", "plugin", Path.Combine(directory.Path, Path.GetFileName(module)));
        Assert.True(plugin.ExitCode == 0, plugin + host.Output);
        Assert.StartsWith("test_with_dependency: loaded 1.0.0", plugin.Stdout, StringComparison.Ordinal);

        var importer = host.Run("insmod", "--loader", "plugin", RepoFiles.TestModule("TestImporter"));
        Assert.Equal(1, importer.ExitCode);
        Assert.Equal("mtrace: test_importer: imports from test_exporter need the strict loader (--loader strict)", importer.Stderr.Split('\n')[0]);
        Assert.True(host.Run("insmod", "--loader", "strict", RepoFiles.TestModule("TestImporter")).ExitCode == 0, host.Output);

        var bogus = host.Run("insmod", "--loader", "mcmaster", RepoFiles.TestModule("TestUnsigned"));
        Assert.Equal(2, bogus.ExitCode);
        Assert.Contains("'mcmaster'", bogus.Stderr, StringComparison.Ordinal);

        var lsmod = host.Run("lsmod");
        Assert.Contains("test_with_dependency ", lsmod.Stdout, StringComparison.Ordinal);
        Assert.Contains("test_importer ", lsmod.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mono")]
    [InlineData("counter")]
    [InlineData("coarse")]
    [InlineData("tsc")]
    public void Host_EveryClockRunTakes_IsAcceptedAndStreams(string clock)
    {
        using var host = LiveHost.Start("--clock", clock, "--load", RepoFiles.SampleModule("Sched"));
        Assert.True(host.Run("enable", "sched:sched_switch").ExitCode == 0, host.Output);
        var pipe = host.Run("trace-pipe", "--events", "5");
        Assert.True(pipe.ExitCode == 0, pipe + host.Output);
        Assert.Equal(5, pipe.Stdout.Split('\n').Count(line => line.Contains(": sched_switch: ", StringComparison.Ordinal)));
    }

    [Fact]
    public void ProbeFault_IsCountedPerModule_InLsmodAndStat_TextAndJson()
    {
        using var host = LiveHost.Start("--load", RepoFiles.TestModule("TestThrowingProbe"));
        // The host fires sched_switch 20,000 times a second; the probe throws on its first call. Bounded wait, no timing assert.
        JsonElement module = default;
        for (var attempt = 0; attempt < 300; attempt++)
        {
            var listed = host.Run("lsmod", "--json");
            Assert.True(listed.ExitCode == 0, listed + host.Output);
            using var json = JsonDocument.Parse(listed.Stdout);
            module = json.RootElement.EnumerateArray().Single().Clone();
            if (module.GetProperty("probe_faults").GetInt64() > 0)
            {
                break;
            }

            Thread.Sleep(100);
        }

        Assert.Equal(1, module.GetProperty("probe_faults").GetInt64());
        Assert.Contains('Q', module.GetProperty("taints").GetString()!);

        var lsmod = host.Run("lsmod");
        var line = lsmod.Stdout.Split('\n').Single(l => l.StartsWith("test_throwing_probe ", StringComparison.Ordinal));
        Assert.Contains("Q", line, StringComparison.Ordinal);
        Assert.EndsWith("(1 probe fault)", line.TrimEnd(), StringComparison.Ordinal);

        var stat = host.Run("stat", "--json");
        Assert.True(stat.ExitCode == 0, stat + host.Output);
        using (var json = JsonDocument.Parse(stat.Stdout))
        {
            var fault = Assert.Single(json.RootElement.GetProperty("probe_faults").EnumerateArray());
            Assert.Equal("test_throwing_probe", fault.GetProperty("module").GetString());
            Assert.Equal("sched_switch", fault.GetProperty("hook").GetString());
            Assert.Equal(1, fault.GetProperty("faults").GetInt64());
            Assert.Contains('Q', json.RootElement.GetProperty("taints").GetProperty("letters").GetString()!);
        }

        var text = host.Run("stat").Stdout;
        Assert.Contains("probe faults: test_throwing_probe on sched_switch: 1", text, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^taints: \S*Q\S* \(\d+\)$", text);
    }

    [Fact]
    public void Sigkill_LeavesAStaleSocket_WhichTheClientNamesAndPsDoesNotRemove()
    {
        string socket;
        int pid;
        using (var host = LiveHost.Start())
        {
            socket = host.SocketPath;
            pid = host.Pid;
            host.KillHard();
            Assert.True(host.WaitForExit(TimeSpan.FromSeconds(30)));
        }

        try
        {
            Assert.True(File.Exists(socket));
            var byPid = Mtrace.Run("lsmod", "--attach", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(1, byPid.ExitCode);
            Assert.Equal($"mtrace: stale control socket {socket}: process {pid} is not running", byPid.Stderr.Split('\n')[0]);
            Assert.Contains($"  hint: the host died without cleaning up; remove it with 'rm {socket}'", byPid.Stderr, StringComparison.Ordinal);

            var byPath = Mtrace.Run("lsmod", "--attach", socket);
            Assert.Equal(1, byPath.ExitCode);
            Assert.Equal($"mtrace: stale control socket {socket}: nothing is listening", byPath.Stderr.Split('\n')[0]);
            Assert.Contains("  hint: ", byPath.Stderr, StringComparison.Ordinal);

            var ps = Mtrace.Run("ps");
            Assert.Contains("(not running: stale socket)", ps.Stdout, StringComparison.Ordinal);
            Assert.True(File.Exists(socket));
        }
        finally
        {
            File.Delete(socket);
        }
    }

    [Fact]
    public void Attach_DeadProcessWithoutSocket_SaysNoSuchProcess()
    {
        using var exited = Process.Start(new ProcessStartInfo("/usr/bin/true") { UseShellExecute = false })!;
        exited.WaitForExit();
        var pid = exited.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var result = Mtrace.Run("stat", "--attach", pid);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"mtrace: no process {pid}", result.Stderr.Split('\n')[0]);
        Assert.Equal("  hint: 'mtrace ps' lists the hosts you can attach to", result.Stderr.Split('\n')[1]);
    }

    [Fact]
    public void Attach_LiveProcessWithoutSocket_SaysSo()
    {
        var self = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var result = Mtrace.Run("lsmod", "--attach", self);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"mtrace: process {self} has no control socket in ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("  hint: start it with 'mtrace host'", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_HostSpeakingAnotherVersion_SaysMismatchWithAHint()
    {
        // A stand-in host that answers hello with version 99, as a future mtrace would.
        var path = Path.Combine("/tmp", $"mtv-{Guid.NewGuid():N}"[..16] + ".sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var fake = Task.Run(async () =>
        {
            using var peer = await listener.AcceptAsync().WaitAsync(TimeSpan.FromMinutes(2));
            await using var stream = new NetworkStream(peer);
            await ControlFrame.ReadAsync(stream, ControlProtocol.MaxRequestBytes, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60), CancellationToken.None);
            await ControlFrame.WriteAsync(stream, ControlJson.Serialize(new ControlResponse { Ok = true, Protocol = 99, Pid = 1 }), CancellationToken.None);
        });
        var result = await Task.Run(() => Mtrace.Run("lsmod", "--attach", path));
        await fake;
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"mtrace: control protocol mismatch: the host at {path} speaks version 99, this mtrace speaks version {ControlProtocol.Version}", result.Stderr.Split('\n')[0]);
        Assert.Equal("  hint: use the mtrace that came with the host", result.Stderr.Split('\n')[1]);
    }

    [Fact]
    public void KeysEnroll_Lockdown_IsRefused_EvenWithAllowEnroll()
    {
        using var locked = LiveHost.Start("--policy", "lockdown", "--allow-enroll");
        var refused = locked.Run("keys", "enroll", RepoFiles.DevCertificate, "--yes");
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("mtrace: the keyrings are locked down; no key can be enrolled at run time", refused.Stderr.Split('\n')[0]);
        Assert.Contains("lockdown forbids run-time key changes", refused.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void KeysEnroll_WithoutAllowEnroll_IsRefused_AndTheRefusedModuleStaysRefused()
    {
        using var keys = new TempDirectory();
        var (module, certificate) = ModuleSignedByANewKey(keys.Path);
        using var host = LiveHost.Start();
        Assert.Equal(1, host.Run("insmod", module).ExitCode);

        // --yes is the requester's own word: the host does not take it as the owner's confirmation.
        var enroll = host.Run("keys", "enroll", certificate, "--yes");

        Assert.Equal(1, enroll.ExitCode);
        Assert.Equal("mtrace: this host takes no key enrolment over its control socket", enroll.Stderr.Split('\n')[0]);
        var insmod = host.Run("insmod", module);
        Assert.Equal(1, insmod.ExitCode);
        Assert.Contains("Loading of module with unavailable key is rejected", insmod.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("\"machine\"", host.Run("keys", "list", "--json").Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void KeysEnroll_AllowEnroll_WaitsForTheCodeOnTheHostsConsole_ThenTheModuleLoadsUntainted()
    {
        using var keys = new TempDirectory();
        var (module, certificate) = ModuleSignedByANewKey(keys.Path);
        using var host = LiveHost.Start("--allow-enroll");

        var enroll = host.Run("keys", "enroll", certificate, "--yes");

        Assert.True(enroll.ExitCode == 0, enroll + host.Output);
        Assert.Contains("is pending", enroll.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, host.Run("insmod", module).ExitCode);
        var wrong = host.Run("keys", "confirm", "000000000000");
        Assert.Equal(1, wrong.ExitCode);
        Assert.Equal("mtrace: no pending enrolment has that code", wrong.Stderr.Split('\n')[0]);

        var code = WaitForCode(host);
        Assert.DoesNotContain(code, enroll.Stdout + enroll.Stderr, StringComparison.Ordinal);
        var confirm = host.Run("keys", "confirm", code);

        Assert.True(confirm.ExitCode == 0, confirm + host.Output);
        Assert.Contains("enrolled into the machine keyring", confirm.Stdout, StringComparison.Ordinal);
        var insmod = host.Run("insmod", module);
        Assert.True(insmod.ExitCode == 0, insmod + host.Output);
        Assert.Contains("signer Live enrolment test key)", insmod.Stdout, StringComparison.Ordinal); // no taints
    }

    private static string WaitForCode(LiveHost host)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var line = host.Output.Split('\n').FirstOrDefault(l => l.Contains("mtrace keys confirm --attach", StringComparison.Ordinal));
            if (line is not null)
            {
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return words[Array.IndexOf(words, "confirm") + 3];
            }

            Thread.Sleep(50);
        }

        throw new Xunit.Sdk.XunitException("the host printed no confirmation code: " + host.Output);
    }

    // A copy of the sched module signed with a key the host does not trust, and that key's certificate.
    private static (string Module, string Certificate) ModuleSignedByANewKey(string directory)
    {
        var generate = Mtrace.Run("keys", "generate", "--out", directory, "--algo", "ecdsa-p256", "--subject", "Live enrolment test key");
        Assert.True(generate.ExitCode == 0, generate.ToString());
        var module = Path.Combine(directory, "ModularTrace.Module.Sched.dll");
        File.Copy(RepoFiles.SampleModule("Sched"), module);
        var sign = Mtrace.Run("sign", "sha256", Path.Combine(directory, "signing_key.pem"), Path.Combine(directory, "signing_key.x509"), module);
        Assert.True(sign.ExitCode == 0, sign.ToString());
        return (module, Path.Combine(directory, "signing_key.x509"));
    }
}
