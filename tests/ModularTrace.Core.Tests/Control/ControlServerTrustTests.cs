using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ModularTrace.Control;
using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;
using ModularTrace.Signing;

namespace ModularTrace.Core.Tests.Control;

/// <summary>
/// The trust model over the socket: a client cannot enrol a key by confirming for itself, files it names must be
/// regular and are read within a shared budget, and its text never reaches the host's log with control characters.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ControlServerTrustTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine("/tmp", $"mtt-{Guid.NewGuid():N}"[..16]);
    private readonly TraceSession _session = new();
    private readonly ConcurrentQueue<string> _log = new();
    private readonly ConcurrentQueue<string> _console = new();
    private readonly List<ControlServer> _servers = [];

    public ControlServerTrustTests()
    {
        Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    // xunit 2 disposes through IAsyncLifetime, not IAsyncDisposable: without it every server and socket stayed behind.
    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    private (ControlServer Server, ModuleLoader Loader) Start(SocketEnrollment enrollment, Policy policy = Policy.Enforce)
    {
        var loader = new ModuleLoader(new HookRegistry(), _session, new Keyrings(), policy);
        var server = ControlServer.Start(new ControlServerOptions
        {
            Session = _session,
            Loader = loader,
            SocketPath = Path.Combine(_directory, $"s{_servers.Count}.sock"),
            Enrollment = enrollment,
            Log = _log.Enqueue,
            Console = _console.Enqueue,
        });
        _servers.Add(server);
        return (server, loader);
    }

    private string Certificate(out X509Certificate2 certificate)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        certificate = new CertificateRequest("CN=requested key", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var path = Path.Combine(_directory, "requested.x509");
        File.WriteAllBytes(path, certificate.RawData);
        return path;
    }

    private static async Task<ControlResponse> Request(ControlServer server, ControlRequest request)
    {
        await using var client = await ControlClient.ConnectAsync(server.SocketPath, "test");
        return await client.RequestAsync(request);
    }

    private static ControlRequest Enroll(string path, X509Certificate2 certificate) => new()
    {
        Op = ControlOps.KeysEnroll,
        Path = path,
        Confirmed = true, // the requester says yes for itself: never enough
        Sha256 = CertificateFile.Sha256Hex(certificate),
    };

    [Fact]
    public async Task KeysEnroll_ByDefault_IsRefusedAndTheKeyringsStayAsTheyWere()
    {
        var (server, loader) = Start(SocketEnrollment.Refused);
        var path = Certificate(out var certificate);

        var reply = await Request(server, Enroll(path, certificate));

        Assert.False(reply.Ok);
        Assert.Equal(ControlErrors.NotPermitted, reply.Code);
        Assert.Equal("this host takes no key enrolment over its control socket", reply.Error);
        Assert.Contains("--allow-enroll", reply.Hint, StringComparison.Ordinal);
        Assert.Empty(loader.Keyrings.Machine);
        Assert.Empty(_console);
    }

    [Fact]
    public async Task KeysEnroll_ClientConfirmingForItself_OnlyMakesItPending_TheConsoleCodeEnrols()
    {
        var (server, loader) = Start(SocketEnrollment.ConfirmOnConsole);
        var path = Certificate(out var certificate);

        var reply = await Request(server, Enroll(path, certificate));

        Assert.True(reply.Ok, reply.Error);
        Assert.True(reply.Pending);
        Assert.Empty(loader.Keyrings.Machine);
        var shown = Assert.Single(_console);
        Assert.DoesNotContain(reply.Messages!, m => m.Contains(Code(shown), StringComparison.Ordinal)); // the code goes to the console only

        var confirmed = await Request(server, new ControlRequest { Op = ControlOps.KeysConfirm, Code = Code(shown) });

        Assert.True(confirmed.Ok, confirmed.Error);
        Assert.Equal(CertificateFile.Sha256Hex(certificate), CertificateFile.Sha256Hex(Assert.Single(loader.Keyrings.Machine)));
        var again = await Request(server, new ControlRequest { Op = ControlOps.KeysConfirm, Code = Code(shown) });
        Assert.False(again.Ok);
        Assert.Equal("no pending enrolment has that code", again.Error);
    }

    [Fact]
    public async Task KeysConfirm_WrongCodes_AreRefused_AndFiveDropTheRequest()
    {
        var (server, loader) = Start(SocketEnrollment.ConfirmOnConsole);
        var path = Certificate(out var certificate);
        Assert.True((await Request(server, Enroll(path, certificate))).Pending);
        var code = Code(Assert.Single(_console));

        for (var i = 0; i < 5; i++)
        {
            var wrong = await Request(server, new ControlRequest { Op = ControlOps.KeysConfirm, Code = $"00000000000{i}" });
            Assert.False(wrong.Ok);
            Assert.Equal(ControlErrors.NotPermitted, wrong.Code);
        }

        var late = await Request(server, new ControlRequest { Op = ControlOps.KeysConfirm, Code = code });
        Assert.False(late.Ok);
        Assert.Empty(loader.Keyrings.Machine);
    }

    [Fact]
    public async Task KeysEnroll_UnderLockdown_IsRefusedEvenWhenAllowed()
    {
        var (server, loader) = Start(SocketEnrollment.ConfirmOnConsole, Policy.Lockdown);
        var path = Certificate(out var certificate);

        var reply = await Request(server, Enroll(path, certificate));

        Assert.False(reply.Ok);
        Assert.Equal("the keyrings are locked down; no key can be enrolled at run time", reply.Error);
        Assert.Empty(_console);
        Assert.Empty(loader.Keyrings.Machine);
    }

    [Fact]
    public async Task KeysEnroll_BlacklistedCertificate_IsRefusedBeforeAnythingIsShown()
    {
        var (server, loader) = Start(SocketEnrollment.ConfirmOnConsole);
        var path = Certificate(out var certificate);
        loader.Keyrings.BlacklistCertificate(certificate);

        var reply = await Request(server, Enroll(path, certificate));

        Assert.False(reply.Ok);
        Assert.StartsWith("'requested key' is blacklisted", reply.Error, StringComparison.Ordinal);
        Assert.Empty(_console);
    }

    [Theory]
    [InlineData("fifo")]
    [InlineData("/dev/zero")]
    [InlineData("directory")]
    public async Task InsmodAndKeysEnroll_NonRegularFile_AreRefusedAtOnce(string kind)
    {
        var (server, loader) = Start(SocketEnrollment.ConfirmOnConsole);
        var path = kind switch
        {
            "fifo" => Path.Combine(_directory, "pipe.x509"),
            "directory" => _directory,
            _ => kind,
        };
        if (kind == "fifo")
        {
            Modules.ModuleFileTests.MakeFifo(path);
        }

        var insmod = await Request(server, new ControlRequest { Op = ControlOps.Insmod, Path = path }).WaitAsync(TimeSpan.FromSeconds(30));
        var enroll = await Request(server, new ControlRequest { Op = ControlOps.KeysEnroll, Path = path, Sha256 = new string('0', 64) }).WaitAsync(TimeSpan.FromSeconds(30));

        var expected = kind == "directory" ? "(EISDIR)" : "not a regular file (EINVAL)";
        Assert.False(insmod.Ok);
        Assert.EndsWith(expected, insmod.Error, StringComparison.Ordinal);
        Assert.False(enroll.Ok);
        Assert.EndsWith(expected, enroll.Error, StringComparison.Ordinal);
        Assert.Empty(loader.Modules);
        Assert.Empty(_console);
    }

    [Fact]
    public async Task Insmod_FifteenConcurrentRequestsForLargeFiles_HoldAtMostTheReadBudget()
    {
        var (server, loader) = Start(SocketEnrollment.Refused);
        var files = Enumerable.Range(0, 15).Select(i =>
        {
            var path = Path.Combine(_directory, $"big{i}.dll");
            using var stream = File.Create(path);
            stream.SetLength(60L * 1024 * 1024); // sparse: 60 MiB on paper, nothing on disk
            return path;
        }).ToArray();
        RegularFile.ResetPeak();

        var replies = await Task.WhenAll(files.Select(path => Request(server, new ControlRequest { Op = ControlOps.Insmod, Path = path })));

        Assert.All(replies, reply => Assert.False(reply.Ok));
        Assert.All(replies, reply => Assert.DoesNotContain("EAGAIN", reply.Error, StringComparison.Ordinal));
        Assert.InRange(RegularFile.PeakBytes, 60L * 1024 * 1024, RegularFile.BudgetBytes);
        Assert.Empty(loader.Modules);
    }

    [Fact]
    public async Task EveryVerb_EveryControlCharacter_NeverReachesTheLogOrTheReplies()
    {
        var (server, _) = Start(SocketEnrollment.ConfirmOnConsole);
        var controls = string.Concat(Enumerable.Range(1, 31).Select(c => (char)c).Append('\u007F').Append('\u009B').Append('\u202E').Append('\u2028'));
        var forged = $"x{controls}\n[mtrace] control: insmod /ok.dll (pid 1)\n[mtrace] sched: loaded";
        var requests = new[]
        {
            new ControlRequest { Op = ControlOps.Insmod, Path = "/tmp/" + forged },
            new ControlRequest { Op = ControlOps.Insmod, Path = forged },
            new ControlRequest { Op = ControlOps.Rmmod, Name = forged },
            new ControlRequest { Op = ControlOps.Events, Format = forged },
            new ControlRequest { Op = ControlOps.Enable, Selector = forged },
            new ControlRequest { Op = ControlOps.Disable, Selector = forged },
            new ControlRequest { Op = ControlOps.Filter, Selector = forged, Expr = forged },
            new ControlRequest { Op = ControlOps.Trigger, Selector = forged, Trigger = "!" + forged },
            new ControlRequest { Op = ControlOps.KeysEnroll, Path = "/tmp/" + forged, Sha256 = forged },
            new ControlRequest { Op = ControlOps.KeysConfirm, Code = forged },
            new ControlRequest { Op = forged },
            new ControlRequest { Op = ControlOps.Insmod, Path = "/tmp/nul\0" + forged },
        };

        foreach (var request in requests)
        {
            var reply = await Request(server, request);
            Assert.False(reply.Ok);
            foreach (var text in new[] { reply.Error, reply.Hint }.Concat(reply.Messages ?? []))
            {
                Assert.DoesNotContain(text ?? "", IsUnsafe);
            }
        }

        Assert.NotEmpty(_log);
        Assert.All(_log, line => Assert.DoesNotContain(line, IsUnsafe));
    }

    // Written out here rather than taken from the code under test: what a terminal or a log reader would act on.
    private static bool IsUnsafe(char c) => char.IsControl(c)
        || System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.Format
            or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator;

    private static string Code(string consoleLine)
    {
        var words = consoleLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words[Array.IndexOf(words, "confirm") + 3];
    }
}
