using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ModularTrace.Hosting;

namespace ModularTrace.Integration.Tests.Hosting;

/// <summary>One running sample service shared by the tests of <see cref="SampleServiceTests"/>.</summary>
public sealed class SampleServiceFixture : IAsyncLifetime
{
    internal SampleService Service { get; private set; } = null!;

    public async Task InitializeAsync() => Service = await SampleService.StartAsync(waitUntilServing: true);

    public Task DisposeAsync()
    {
        Service.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// The sample service as a host of its own: its build's Module.symvers, its module built against it and signed with
/// its key, read and loaded live over the socket, and a trace checked against the HTTP requests sent.
/// </summary>
public sealed partial class SampleServiceTests(SampleServiceFixture fixture) : IClassFixture<SampleServiceFixture>
{
    private SampleService Service => fixture.Service;

    private static string BuiltSymvers => File.ReadAllText(Path.Combine(SampleService.BuildDirectory, HostHooks.SymversFileName));

    private static string BuiltVermagic => File.ReadAllText(Path.Combine(SampleService.BuildDirectory, HostHooks.VermagicFileName)).TrimEnd('\n');

    [Fact]
    public void Build_WroteTheServicesSymvers_AndItsModuleIsStampedFromIt()
    {
        var fromAssembly = Mtrace.Run("hooks", "--assembly", SampleService.Assembly, "--symvers");
        Assert.True(fromAssembly.ExitCode == 0, fromAssembly.ToString());
        // The service writes its symvers itself: its 4 declared hooks (what 'hooks --assembly' reads) and the 6 runtime
        // hooks its configuration bridges, typed from the ASP.NET Core and HttpClient payloads it runs on.
        var built = BuiltSymvers.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, fromAssembly.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(fromAssembly.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), built.Where(line => !line.Contains("\tdl_", StringComparison.Ordinal) && !line.Contains("\tmeter_", StringComparison.Ordinal)));
        Assert.Equal(10, built.Length);
        // The host's own version (samples/ModularTrace.SampleService/version.json), not the tool's.
        Assert.StartsWith("1.0.", BuiltVermagic, StringComparison.Ordinal);
        Assert.NotEqual(ModularTrace.Modules.VerMagic.Host, BuiltVermagic);

        var modinfo = Mtrace.Run("modinfo", SampleService.Module, "--cert", Path.Combine(SampleService.ProjectDirectory, "keys", "signing_key.x509"));
        Assert.True(modinfo.ExitCode == 0, modinfo.ToString());
        Assert.Contains($"vermagic:       {BuiltVermagic}\n", modinfo.Stdout, StringComparison.Ordinal);
        Assert.Contains("signer:         ModularTrace.SampleService module signing key\n", modinfo.Stdout, StringComparison.Ordinal);
        foreach (var line in fromAssembly.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var columns = line.Split('\t');
            Assert.Contains($"hook:           {columns[0]} {columns[1]}\n", modinfo.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void HooksAndStat_Attached_ShowTheRunningServicesSymversAndVermagic()
    {
        var symvers = Mtrace.RunWith(Service.Environment, null, "hooks", "--attach", Service.Attach, "--symvers");
        Assert.True(symvers.ExitCode == 0, symvers.ToString());
        Assert.Equal(BuiltSymvers, symvers.Stdout);

        var table = Mtrace.RunWith(Service.Environment, null, "hooks", "--attach", Service.Attach);
        Assert.Contains($"10 hooks; vermagic '{BuiltVermagic}'", table.Stdout, StringComparison.Ordinal);
        var stat = Mtrace.RunWith(Service.Environment, null, "stat", "--attach", Service.Attach);
        Assert.Contains($"vermagic: {BuiltVermagic}\n", stat.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void HooksJson_SampleHostAttachedAndAssembly_PrintOneShape()
    {
        var sample = Mtrace.Run("hooks", "--json");
        var attached = Mtrace.RunWith(Service.Environment, null, "hooks", "--attach", Service.Attach, "--json");
        var built = Mtrace.Run("hooks", "--assembly", SampleService.Assembly, "--json");
        Assert.True(sample.ExitCode == 0 && attached.ExitCode == 0 && built.ExitCode == 0, $"{sample}\n{attached}\n{built}");
        using var sampleJson = JsonDocument.Parse(sample.Stdout);
        using var attachedJson = JsonDocument.Parse(attached.Stdout);
        using var builtJson = JsonDocument.Parse(built.Stdout);

        // The same property names at every level, whichever host was asked.
        Assert.Equal(Shape(sampleJson.RootElement), Shape(attachedJson.RootElement));
        Assert.Equal(Shape(sampleJson.RootElement), Shape(builtJson.RootElement));
        Assert.Equal(["count", "hooks", "source", "vermagic"], sampleJson.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["sample", "attach", "assembly"], new[] { sampleJson, attachedJson, builtJson }.Select(d => d.RootElement.GetProperty("source").GetString()));

        // The running service and its build tell the same declared hooks and vermagic. The running service has its
        // bridged runtime hooks too (docs/runtime-hooks.md): --assembly reads the build in mtrace's own process, which
        // cannot load ASP.NET Core's payload types, so it lists the four declared ones only.
        Assert.Equal(BuiltVermagic, attachedJson.RootElement.GetProperty("vermagic").GetString());
        var running = attachedJson.RootElement.GetProperty("hooks").EnumerateArray().ToDictionary(h => h.GetProperty("name").GetString()!, h => h.GetRawText());
        var declared = builtJson.RootElement.GetProperty("hooks").EnumerateArray().ToList();
        Assert.Equal(4, declared.Count);
        Assert.All(declared, hook => Assert.Equal(hook.GetRawText(), running[hook.GetProperty("name").GetString()!]));
        var bridged = running.Keys.Except(declared.Select(h => h.GetProperty("name").GetString()!)).ToList();
        Assert.All(bridged, name => Assert.Matches("^(dl|meter|activity)_", name));
        Assert.Equal(running.Count, attachedJson.RootElement.GetProperty("count").GetInt32());
        Assert.Equal(10, running.Count);
    }

    // "name" for a value, "name{...}" for an object, "name[...]" for an array's elements, merged and sorted.
    private static string Shape(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(",", element.EnumerateObject().Select(p => p.Name + Shape(p.Value)).Order(StringComparer.Ordinal)) + "}",
        JsonValueKind.Array => "[" + string.Join("|", element.EnumerateArray().Select(Shape).Distinct().Order(StringComparer.Ordinal)) + "]",
        _ => "",
    };

    [Fact]
    public void Ps_ListsTheService()
    {
        var ps = Mtrace.RunWith(Service.Environment, null, "ps");
        Assert.True(ps.ExitCode == 0, ps.ToString());
        var line = Assert.Single(ps.Stdout.Split('\n'), l => l.TrimStart().StartsWith(Service.Attach + " ", StringComparison.Ordinal));
        Assert.Contains(Service.SocketPath, line, StringComparison.Ordinal);
        Assert.Contains("ModularTrace.SampleService.dll", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LiveModule_TracesEveryRequest_WithItsRouteAndStatus()
    {
        var insmod = Mtrace.RunWith(Service.Environment, null, "insmod", "--attach", Service.Attach, SampleService.Module);
        Assert.True(insmod.ExitCode == 0, insmod + Service.Output);
        try
        {
            var enable = Mtrace.RunWith(Service.Environment, null, "enable", "--attach", Service.Attach, "service:*");
            Assert.True(enable.ExitCode == 0, enable.ToString());

            // 3 PUT 204, 5 GET 200, 2 GET 404 on /items/{id:int}; 1 unmatched 404; 1 /health 200.
            using var http = new HttpClient { BaseAddress = Service.BaseAddress };
            var sent = new List<(string Method, string Route, int Status)>();
            for (var id = 1; id <= 3; id++)
            {
                using var put = await http.PutAsync(new Uri($"items/{id}", UriKind.Relative), new StringContent($"item {id}"));
                sent.Add(("PUT", "/items/{id:int}", (int)put.StatusCode));
            }

            foreach (var id in new[] { 1, 1, 2, 3, 1, 998, 999 })
            {
                using var get = await http.GetAsync(new Uri($"items/{id}", UriKind.Relative));
                sent.Add(("GET", "/items/{id:int}", (int)get.StatusCode));
            }

            using (var unmatched = await http.GetAsync(new Uri("no/such/route", UriKind.Relative)))
            {
                sent.Add(("GET", "(unmatched)", (int)unmatched.StatusCode));
            }

            using (var health = await http.GetAsync(new Uri("health", UriKind.Relative)))
            {
                sent.Add(("GET", "/health", (int)health.StatusCode));
            }

            Assert.Equal([204, 204, 204, 200, 200, 200, 200, 200, 404, 404, 404, 200], sent.Select(s => s.Status));

            // request_stop fires after the response may have reached us: wait until the trace has all 12, and a job run.
            List<Match> stops = [], starts = [], lookups = [], jobs = [];
            for (var attempt = 0; attempt < 50; attempt++)
            {
                var trace = Mtrace.RunWith(Service.Environment, null, "trace", "--attach", Service.Attach);
                Assert.True(trace.ExitCode == 0, trace.ToString());
                stops = StopLine().Matches(trace.Stdout).ToList();
                starts = StartLine().Matches(trace.Stdout).ToList();
                lookups = LookupLine().Matches(trace.Stdout).ToList();
                jobs = JobLine().Matches(trace.Stdout).ToList();
                if (stops.Count >= sent.Count && jobs.Count > 0)
                {
                    break;
                }

                await Task.Delay(100);
            }

            Assert.Equal(
                sent.Select(s => $"{s.Method} {s.Route} {s.Status}"),
                stops.OrderBy(m => long.Parse(m.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture))
                    .Select(m => $"{m.Groups["method"].Value} {m.Groups["route"].Value} {m.Groups["status"].Value}"));
            Assert.Equal(stops.Select(m => m.Groups["id"].Value).Order(), starts.Select(m => m.Groups["id"].Value).Order());
            // One cache lookup per GET /items: 7, for the keys asked.
            Assert.Equal(["item:1", "item:1", "item:1", "item:2", "item:3", "item:998", "item:999"], lookups.Select(m => m.Groups["key"].Value).Order());
            Assert.All(lookups.Where(m => m.Groups["key"].Value.StartsWith("item:99", StringComparison.Ordinal)), m => Assert.Equal("0", m.Groups["hit"].Value));
            Assert.NotEmpty(jobs);
        }
        finally
        {
            Mtrace.RunWith(Service.Environment, null, "rmmod", "--attach", Service.Attach, "service");
        }
    }

    [Fact]
    public async Task LiveModule_ConcurrentRequests_EachRecordCarriesItsTraceIdUnderARealOsThread()
    {
        var insmod = Mtrace.RunWith(Service.Environment, null, "insmod", "--attach", Service.Attach, SampleService.Module);
        Assert.True(insmod.ExitCode == 0, insmod + Service.Output);
        try
        {
            var enable = Mtrace.RunWith(Service.Environment, null, "enable", "--attach", Service.Attach, "service:*");
            Assert.True(enable.ExitCode == 0, enable.ToString());

            // Sixteen requests at once, each with a W3C traceparent of its own: ASP.NET Core's request Activity takes
            // the caller's trace id, and every record the request writes, on whichever thread, must carry it.
            using var http = new HttpClient { BaseAddress = Service.BaseAddress };
            var traceIds = Enumerable.Range(0, 16).Select(_ => System.Diagnostics.ActivityTraceId.CreateRandom().ToHexString()).ToList();
            await Task.WhenAll(traceIds.Select(async (traceId, i) =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"items/{500 + i}", UriKind.Relative));
                request.Headers.Add("traceparent", $"00-{traceId}-{System.Diagnostics.ActivitySpanId.CreateRandom().ToHexString()}-01");
                using var response = await http.SendAsync(request);
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            }));

            List<Match> lines = [];
            for (var attempt = 0; attempt < 50; attempt++)
            {
                var trace = Mtrace.RunWith(Service.Environment, null, "trace", "--attach", Service.Attach);
                Assert.True(trace.ExitCode == 0, trace.ToString());
                lines = TracedLine().Matches(trace.Stdout).Where(m => traceIds.Contains(m.Groups["trace"].Value)).ToList();
                if (lines.Count(m => m.Groups["event"].Value == "request_stop") == traceIds.Count)
                {
                    break;
                }

                await Task.Delay(100);
            }

            // Per trace id: one request_start, one cache_lookup for its own key, one request_stop of the same request.
            foreach (var (traceId, i) in traceIds.Select((id, i) => (id, i)))
            {
                var own = lines.Where(m => m.Groups["trace"].Value == traceId).ToList();
                Assert.Equal(["cache_lookup", "request_start", "request_stop"], own.Select(m => m.Groups["event"].Value).Order());
                Assert.Contains($"key=item:{500 + i} ", own.Single(m => m.Groups["event"].Value == "cache_lookup").Groups["fields"].Value + " ", StringComparison.Ordinal);
                var ids = own.Where(m => m.Groups["event"].Value != "cache_lookup").Select(m => m.Groups["fields"].Value.Split(' ')[0]).Distinct();
                Assert.Single(ids);
            }

            // Every writer is a thread of the service as the OS numbers them, with its name (not <...>).
            var tasks = Directory.GetDirectories($"/proc/{Service.Pid}/task").Select(Path.GetFileName).ToHashSet();
            Assert.All(lines, m =>
            {
                Assert.Contains(m.Groups["pid"].Value, tasks);
                Assert.NotEqual("<...>", m.Groups["comm"].Value);
            });
        }
        finally
        {
            Mtrace.RunWith(Service.Environment, null, "rmmod", "--attach", Service.Attach, "service");
        }
    }

    [GeneratedRegex(@"^\s*(?<comm>.+?)-(?<pid>\d+)\s+\[\d+\] \S+\s+[\d.]+: (?<event>\w+): (?<fields>.*) trace_id=(?<trace>[0-9a-f]{32})$", RegexOptions.Multiline)]
    private static partial Regex TracedLine();

    [GeneratedRegex(@"request_stop: id=(?<id>\d+) (?<method>\w+) (?<route>\S+) status=(?<status>\d+) duration_ns=\d+")]
    private static partial Regex StopLine();

    [GeneratedRegex(@"request_start: id=(?<id>\d+) (?<method>\w+) (?<route>\S+)( trace_id=[0-9a-f]{32})?$", RegexOptions.Multiline)]
    private static partial Regex StartLine();

    [GeneratedRegex(@"cache_lookup: key=(?<key>\S+) hit=(?<hit>[01])")]
    private static partial Regex LookupLine();

    [GeneratedRegex(@"job_run: job=cache_evict items=\d+ duration_ns=\d+")]
    private static partial Regex JobLine();
}

/// <summary>The sample service's lifetime: SIGTERM and refusals at start, each with a service of its own.</summary>
public sealed class SampleServiceLifetimeTests
{
    [Fact]
    public async Task Sigterm_UnloadsItsModules_AndRemovesTheSocket()
    {
        using var service = await SampleService.StartAsync(waitUntilServing: true);
        var insmod = Mtrace.RunWith(service.Environment, null, "insmod", "--attach", service.Attach, SampleService.Module);
        Assert.True(insmod.ExitCode == 0, insmod.ToString());
        service.Terminate();
        Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(30)), service.Output);
        Assert.Equal(0, service.ExitCode);
        Assert.False(File.Exists(service.SocketPath), service.Output);
        Assert.Contains($"modulartrace: stopped; unloaded 1 modules, removed {service.SocketPath}", service.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingModuleAtStart_UnderEnforce_RefusesToStart()
    {
        using var service = await SampleService.StartAsync(waitUntilServing: false, "--ModularTrace:Modules:0=modules/missing.dll");
        Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(60)), service.Output);
        Assert.NotEqual(0, service.ExitCode);
        Assert.Contains($"{Path.Combine(SampleService.ProjectDirectory, "modules/missing.dll")}: ", service.Output, StringComparison.Ordinal);
        Assert.Contains("; refusing to start (policy enforce)", service.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(service.SocketPath));
    }
}
