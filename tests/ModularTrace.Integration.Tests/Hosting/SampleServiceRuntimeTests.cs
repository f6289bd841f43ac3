using System.Text.RegularExpressions;

namespace ModularTrace.Integration.Tests.Hosting;

/// <summary>A sample service of its own for <see cref="SampleServiceRuntimeTests"/> (its trace holds only their requests).</summary>
public sealed class SampleServiceRuntimeFixture : IAsyncLifetime
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
/// The sample service's runtime hooks (ModularTrace:Runtime:Sources in its appsettings.json): the aspnet module, built
/// against the service's symvers and signed with its key, turns ASP.NET Core's request metric and hosting events and
/// HttpClient's events into events, on an unmodified request pipeline; the trace is checked against the requests sent.
/// </summary>
public sealed partial class SampleServiceRuntimeTests(SampleServiceRuntimeFixture fixture) : IClassFixture<SampleServiceRuntimeFixture>
{
    internal static string RuntimeModule => Path.Combine(RepoFiles.Root, "samples", "ModularTrace.Module.SampleRuntime", "bin", RepoFiles.Configuration, "net10.0", "ModularTrace.Module.SampleRuntime.dll");

    private SampleService Service => fixture.Service;

    private MtraceResult Live(params string[] args) => Mtrace.RunWith(Service.Environment, null, [.. args.Take(1), "--attach", Service.Attach, .. args.Skip(1)]);

    [Fact]
    public async Task RuntimeModule_TracesServerRequestsAndHttpClientCalls_AsSent()
    {
        var insmod = Live("insmod", RuntimeModule);
        Assert.True(insmod.ExitCode == 0, insmod + Service.Output);
        try
        {
            Assert.True(Live("enable", "aspnet:*").ExitCode == 0);
            // Only successful outgoing calls are recorded; requests are counted by route and status in a hist trigger.
            var filter = Live("filter", "aspnet:http_client", "status == 200");
            Assert.True(filter.ExitCode == 0, filter.ToString());
            var trigger = Live("trigger", "aspnet:request", "hist:keys=route,status");
            Assert.True(trigger.ExitCode == 0, trigger.ToString());
            Assert.Contains("aspnet:request: triggers [hist:keys=route,status", trigger.Stdout, StringComparison.Ordinal);

            using var http = new HttpClient { BaseAddress = Service.BaseAddress };
            var sent = new List<(string Method, string Route, string Path, int Status)>();
            for (var id = 1; id <= 2; id++)
            {
                using var put = await http.PutAsync(new Uri($"items/{id}", UriKind.Relative), new StringContent($"item {id}"));
                sent.Add(("PUT", "/items/{id:int}", $"/items/{id}", (int)put.StatusCode));
            }

            foreach (var id in new[] { 1, 1, 2, 998 })
            {
                using var get = await http.GetAsync(new Uri($"items/{id}", UriKind.Relative));
                sent.Add(("GET", "/items/{id:int}", $"/items/{id}", (int)get.StatusCode));
            }

            // Each /upstream/{id} makes one outgoing HttpClient GET of /items/{id} to the service itself (a server request too).
            foreach (var id in new[] { 1, 2, 999 })
            {
                using var upstream = await http.GetAsync(new Uri($"upstream/{id}", UriKind.Relative));
                var inner = id == 999 ? 404 : 200;
                sent.Add(("GET", "/items/{id:int}", $"/items/{id}", inner));
                sent.Add(("GET", "/upstream/{id:int}", $"/upstream/{id}", (int)upstream.StatusCode));
            }

            Assert.Equal([204, 204, 200, 200, 200, 404, 200, 200, 200, 200, 404, 502], sent.Select(s => s.Status));

            // The metric and the Stop events are written after the response may have reached us: wait for all of them.
            List<Match> requests = [], requestsIn = [], clients = [];
            for (var attempt = 0; attempt < 50; attempt++)
            {
                var trace = Live("trace");
                Assert.True(trace.ExitCode == 0, trace.ToString());
                requests = RequestLine().Matches(trace.Stdout).ToList();
                requestsIn = RequestInLine().Matches(trace.Stdout).ToList();
                clients = ClientLine().Matches(trace.Stdout).ToList();
                if (requests.Count >= sent.Count && requestsIn.Count >= sent.Count && clients.Count >= 2)
                {
                    break;
                }

                await Task.Delay(100);
            }

            Assert.Equal(sent.Select(s => $"{s.Method} {s.Route} {s.Status}").Order(), requests.Select(m => $"{m.Groups["method"].Value} {m.Groups["route"].Value} {m.Groups["status"].Value}").Order());
            Assert.Equal(sent.Select(s => $"{s.Method} {s.Path} {s.Status}").Order(), requestsIn.Select(m => $"{m.Groups["method"].Value} {m.Groups["path"].Value} {m.Groups["status"].Value}").Order());
            Assert.All(requests.Concat(requestsIn), m => Assert.True(long.Parse(m.Groups["ns"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, m.Value));
            // Three outgoing calls were made; the filter kept the two that got 200 (task_status 5: RanToCompletion).
            Assert.Equal([$"GET 127.0.0.1/items/1 200 5", $"GET 127.0.0.1/items/2 200 5"], clients.Select(m => $"{m.Groups["method"].Value} {m.Groups["host"].Value}{m.Groups["path"].Value} {m.Groups["status"].Value} {m.Groups["task"].Value}").Order());

            var taint = Live("taint");
            Assert.DoesNotContain("Q", taint.Stdout.Split('\n')[0], StringComparison.Ordinal);
        }
        finally
        {
            Live("rmmod", "aspnet");
        }
    }

    [Fact]
    public async Task HistOverTheControlSocket_RuntimeHookRequests_CountedByRouteAndStatusAsSent()
    {
        // A service of its own: the fixture's trace must hold only the other test's requests.
        using var service = await SampleService.StartAsync(waitUntilServing: true);
        MtraceResult OwnLive(params string[] args) => Mtrace.RunWith(service.Environment, null, [.. args.Take(1), "--attach", service.Attach, .. args.Skip(1)]);
        var insmod = OwnLive("insmod", RuntimeModule);
        Assert.True(insmod.ExitCode == 0, insmod + service.Output);
        try
        {
            Assert.True(OwnLive("enable", "aspnet:request").ExitCode == 0);
            var trigger = OwnLive("trigger", "aspnet:request", "hist:keys=route,status");
            Assert.True(trigger.ExitCode == 0, trigger.ToString());

            using var http = new HttpClient { BaseAddress = service.BaseAddress };
            var sent = new Dictionary<(string Route, int Status), int>();
            void Count(string route, int status) => sent[(route, status)] = sent.GetValueOrDefault((route, status)) + 1;
            using (var put = await http.PutAsync(new Uri("items/3", UriKind.Relative), new StringContent("item 3")))
            {
                Count("/items/{id:int}", (int)put.StatusCode);
            }

            foreach (var id in new[] { 3, 3, 3, 997, 997 })
            {
                using var get = await http.GetAsync(new Uri($"items/{id}", UriKind.Relative));
                Count("/items/{id:int}", (int)get.StatusCode);
            }

            Assert.Equal(3, sent.Count); // 204, 200 and 404: three keys, or the test proves less than it says

            // The metric is recorded after the response may have reached us: wait until the histogram has every request.
            var hist = OwnLive("hist", "aspnet:request");
            for (var attempt = 0; attempt < 50 && !hist.Stdout.Contains("    Hits: 6\n", StringComparison.Ordinal); attempt++)
            {
                await Task.Delay(100);
                hist = OwnLive("hist", "aspnet:request");
            }

            Assert.True(hist.ExitCode == 0, hist.ToString());
            Assert.StartsWith("events/aspnet/request/hist:\n# event histogram\n", hist.Stdout, StringComparison.Ordinal);
            Assert.Contains("# trigger info: hist:keys=route,status", hist.Stdout, StringComparison.Ordinal);
            var counted = HistLine().Matches(hist.Stdout).ToDictionary(
                m => (m.Groups["route"].Value, int.Parse(m.Groups["status"].Value, System.Globalization.CultureInfo.InvariantCulture)),
                m => int.Parse(m.Groups["hits"].Value, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(sent.OrderBy(p => p.Key), counted.OrderBy(p => p.Key));
            Assert.Contains("    Hits: 6\n    Entries: 3\n    Dropped: 0\n", hist.Stdout, StringComparison.Ordinal);

            var none = OwnLive("hist", "aspnet:request_in");
            Assert.NotEqual(0, none.ExitCode);
            Assert.Contains("aspnet:request_in: no hist trigger", none.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            OwnLive("rmmod", "aspnet");
        }
    }

    [Fact]
    public async Task RuntimeModule_OnAServiceNotBridgingAspNetCore_IsRefusedAsUnknownSymbol()
    {
        // The configuration decides what is bridged: HttpClient only here (array entries overridden by index).
        using var service = await SampleService.StartAsync(waitUntilServing: true,
            "--ModularTrace:Runtime:Sources:0=HttpClient", "--ModularTrace:Runtime:Sources:1=HttpClient", "--ModularTrace:Runtime:Sources:2=HttpClient");
        var insmod = Mtrace.RunWith(service.Environment, null, "insmod", "--attach", service.Attach, RuntimeModule);
        Assert.NotEqual(0, insmod.ExitCode);
        Assert.Contains("aspnet: unknown symbol dl_Microsoft_AspNetCore_Hosting_HttpRequestIn_Stop", insmod.Stderr, StringComparison.Ordinal);
        var hooks = Mtrace.RunWith(service.Environment, null, "hooks", "--attach", service.Attach, "--symvers");
        Assert.Contains("\tdl_System_Net_Http_HttpRequestOut_Stop\t", hooks.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\tmeter_http_server_request_duration\t", hooks.Stdout, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\{ route: (?<route>\S+)\s*, status:\s+(?<status>\d+) \} hitcount:\s+(?<hits>\d+)")]
    private static partial Regex HistLine();

    [GeneratedRegex(@"request: (?<method>\w+) (?<route>\S+) status=(?<status>\d+) duration_ns=(?<ns>\d+)")]
    private static partial Regex RequestLine();

    [GeneratedRegex(@"request_in: (?<method>\w+) (?<path>\S+) status=(?<status>\d+) duration_ns=(?<ns>\d+)")]
    private static partial Regex RequestInLine();

    [GeneratedRegex(@"http_client: (?<method>\w+) (?<host>[0-9.]+)(?<path>/\S*) status=(?<status>\d+) task_status=(?<task>\d+) duration_ns=\d+")]
    private static partial Regex ClientLine();
}
