using System.Diagnostics;
using System.Diagnostics.Metrics;
using ModularTrace.Hooks;
using ModularTrace.Runtime;

namespace ModularTrace.Core.Tests.Runtime;

/// <summary>
/// The runtime bridge on sources of the test's own (unique names: DiagnosticListener.AllListeners, ActivitySource and
/// Meter listeners are process-wide) and on HttpClient's real DiagnosticListener.
/// </summary>
public sealed class RuntimeHooksTests
{
    public sealed class OrderV1
    {
        public Customer? Customer { get; init; }
        public int Status { get; init; }
    }

    public sealed class OrderV2
    {
        public Customer? Customer { get; init; }
        public long Status { get; init; }
    }

    public sealed class Customer
    {
        public string? Name { get; init; }
        public DayOfWeek Day { get; init; }
    }

    private static DiagnosticEventSpec Spec<T>(string source) => new(source, "Shop.Order", typeof(T).AssemblyQualifiedName!, ["Customer.Name", "Customer.Day", "Status"]);

    private static string Unique() => "mt.test." + Guid.NewGuid().ToString("N");

    [Fact]
    public void Factory_EveryGeneratedArity_MakesThatHookAndRefusesOneMore()
    {
        for (var n = 0; n <= Hook.MaxArguments; n++)
        {
            var arguments = Enumerable.Range(1, n).Select(i => new HookArgument($"a{i}", typeof(long))).ToList();
            var hook = RuntimeHookFactory.Create("rt_arity", arguments);
            Assert.Equal(n == 0 ? typeof(NullaryHook) : typeof(Hook).Assembly.GetType($"ModularTrace.Hooks.Hook`{n}"), hook.GetType().IsGenericType ? hook.GetType().GetGenericTypeDefinition() : hook.GetType());
            Assert.Equal(arguments, hook.Signature.Arguments);
        }

        var tooMany = Enumerable.Range(1, Hook.MaxArguments + 1).Select(i => new HookArgument($"a{i}", typeof(long))).ToList();
        var ex = Assert.Throws<ArgumentException>(() => RuntimeHookFactory.Create("rt_arity", tooMany));
        Assert.Contains($"a hook has at most {Hook.MaxArguments}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Register_DiagnosticEvent_HookIsNamedAndTypedFromThePayloadShape()
    {
        var registry = new HookRegistry();
        using var bridge = RuntimeHooks.Register(registry, [Spec<OrderV1>(Unique())]);

        var hook = Assert.Single(bridge.Hooks);
        Assert.Empty(bridge.Unavailable);
        Assert.Equal("dl_Shop_Order(string Customer_Name, int Customer_Day, int Status)", hook.Signature.Prototype);
        Assert.Same(hook, registry.Get<Hook<string, int, int>>("dl_Shop_Order"));
    }

    [Fact]
    public void Register_PayloadPropertyOfAnotherType_GivesAnotherCrc()
    {
        using var v1 = RuntimeHooks.Register(new HookRegistry(), [Spec<OrderV1>(Unique())]);
        using var v2 = RuntimeHooks.Register(new HookRegistry(), [Spec<OrderV2>(Unique())]);
        Assert.NotEqual(v1.Hooks[0].Signature.Crc, v2.Hooks[0].Signature.Crc);
        Assert.Equal("dl_Shop_Order(string Customer_Name, int Customer_Day, long Status)", v2.Hooks[0].Signature.Prototype);
    }

    [Theory]
    [InlineData("No.Such.Type, NoSuchAssembly", "is not on this host")]
    [InlineData(null, "has no readable property 'Customer.Email'")]
    public void Register_ShapeUnknownOnThisHost_RegistersNoHook(string? payloadType, string reason)
    {
        var registry = new HookRegistry();
        var spec = new DiagnosticEventSpec(Unique(), "Shop.Order", payloadType ?? typeof(OrderV1).AssemblyQualifiedName!, ["Customer.Email"]);
        using var bridge = RuntimeHooks.Register(registry, [spec]);

        Assert.Empty(bridge.Hooks);
        Assert.Contains(reason, Assert.Single(bridge.Unavailable), StringComparison.Ordinal);
        var missing = Assert.Throws<KeyNotFoundException>(() => registry.Get<Hook<string>>("dl_Shop_Order"));
        Assert.StartsWith("unknown symbol dl_Shop_Order", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Attach_FirstProbeAndLastDetach_SubscribeThenUnsubscribe()
    {
        var source = Unique();
        using var listener = new DiagnosticListener(source);
        using var bridge = RuntimeHooks.Register(new HookRegistry(), [Spec<OrderV1>(source)]);
        var hook = (Hook<string, int, int>)bridge.Hooks[0];
        Action<string, int, int> probe = (_, _, _) => { };

        Assert.Equal(0, bridge.ActiveSubscriptions);
        Assert.False(listener.IsEnabled("Shop.Order"));
        hook.Attach(probe);
        Assert.Equal(1, bridge.ActiveSubscriptions);
        Assert.True(listener.IsEnabled("Shop.Order"));
        Assert.False(listener.IsEnabled("Shop.Other"));
        hook.Detach(probe);
        Assert.Equal(0, bridge.ActiveSubscriptions);
        Assert.False(listener.IsEnabled("Shop.Order"));
    }

    // A loaded module's Record probe goes on its hook only while its event is enabled, so loading the module
    // subscribes to nothing: the application pays for a source only while someone records it.
    [Fact]
    public void Record_ModuleEventDisabled_SourceStaysUnsubscribedUntilEnabled()
    {
        var source = Unique();
        using var listener = new DiagnosticListener(source);
        var registry = new HookRegistry();
        using var bridge = RuntimeHooks.Register(registry, [Spec<OrderV1>(source)]);
        var hook = (Hook<string, int, int>)bridge.Hooks[0];
        var session = new ModularTrace.Events.TraceSession(new ModularTrace.Events.TraceOptions { BufferSize = 1 << 16 });
        var context = new ModularTrace.Modules.ModuleContext("shop", registry, session, [hook.Name], new object());
        var b = new ModularTrace.Events.EventLayoutBuilder();
        var status = b.S32("status");
        var ev = context.DefineEvent("shop", "order", new ModularTrace.Events.EventClass("order", b.Build(), "status={status}"));
        context.Record(hook, ev, (ref w, _, _, st) => w.Set(status, st));

        Assert.Equal(0, bridge.ActiveSubscriptions);
        Assert.False(listener.IsEnabled("Shop.Order"));
        ev.IsEnabled = true;
        Assert.Equal(1, bridge.ActiveSubscriptions);
        listener.Write("Shop.Order", new OrderV1 { Status = 201 });
        ev.IsEnabled = false;
        Assert.Equal(0, bridge.ActiveSubscriptions);
        Assert.False(listener.IsEnabled("Shop.Order"));
        Assert.Single(new ModularTrace.Output.TraceReader(session).Read(consume: true));
    }

    [Fact]
    public void Attach_ListenerCreatedAfterAttach_IsSubscribedToo()
    {
        var source = Unique();
        using var bridge = RuntimeHooks.Register(new HookRegistry(), [Spec<OrderV1>(source)]);
        var hook = (Hook<string, int, int>)bridge.Hooks[0];
        var seen = new List<string>();
        hook.Attach((name, _, _) => seen.Add(name));
        using var listener = new DiagnosticListener(source);
        listener.Write("Shop.Order", new OrderV1 { Customer = new Customer { Name = "ada" } });
        Assert.Equal(["ada"], seen);
    }

    [Fact]
    public void Write_Payload_FiresWithItsPropertiesAndDefaultsPastANull()
    {
        var source = Unique();
        using var listener = new DiagnosticListener(source);
        using var bridge = RuntimeHooks.Register(new HookRegistry(), [Spec<OrderV1>(source)]);
        var hook = (Hook<string, int, int>)bridge.Hooks[0];
        var seen = new List<(string?, int, int)>();
        hook.Attach((name, day, status) => seen.Add((name, day, status)));

        listener.Write("Shop.Order", new OrderV1 { Customer = new Customer { Name = "ada", Day = DayOfWeek.Friday }, Status = 201 });
        listener.Write("Shop.Order", new OrderV1 { Customer = null, Status = 500 });
        listener.Write("Shop.Other", new OrderV1 { Status = 1 });

        Assert.Equal([("ada", 5, 201), (null, 0, 500)], seen);
        Assert.Equal(0, bridge.PayloadFaults);
    }

    [Fact]
    public void Write_AnonymousPayloadOfTheSameShape_IsReadByItsOwnFetcher()
    {
        var source = Unique();
        using var listener = new DiagnosticListener(source);
        using var bridge = RuntimeHooks.Register(new HookRegistry(), [Spec<OrderV1>(source)]);
        var seen = new List<int>();
        ((Hook<string, int, int>)bridge.Hooks[0]).Attach((_, _, status) => seen.Add(status));

        listener.Write("Shop.Order", new { Customer = new Customer { Name = "x" }, Status = 7 });
        listener.Write("Shop.Order", new { Customer = new Customer { Name = "y" }, Status = 8 });
        Assert.Equal([7, 8], seen);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("retyped")]
    public void Write_PayloadShapeChangedAtRunTime_NeverThrowsAndFaultsTheProbes(string change)
    {
        var source = Unique();
        using var listener = new DiagnosticListener(source);
        var registry = new HookRegistry();
        using var bridge = RuntimeHooks.Register(registry, [Spec<OrderV1>(source)]);
        var hook = (Hook<string, int, int>)bridge.Hooks[0];
        var faults = new List<ProbeFault>();
        registry.ProbeFaulted += (_, fault) => faults.Add(fault);
        var calls = 0;
        hook.Attach((_, _, _) => calls++, owner: "shop_module");
        object payload = change == "missing"
            ? new { Customer = new Customer(), State = 1 }
            : new { Customer = new Customer(), Status = 1L };

        Assert.Null(Record.Exception(() => listener.Write("Shop.Order", payload)));
        Assert.Null(Record.Exception(() => listener.Write("Shop.Order", payload)));

        Assert.Equal(0, calls);
        Assert.False(hook.IsEnabled);
        Assert.Equal(1, hook.FaultCount);
        Assert.Equal(1, bridge.PayloadFaults);
        Assert.Equal(0, bridge.ActiveSubscriptions);
        var fault = Assert.Single(faults);
        Assert.Equal("shop_module", fault.Owner);
        Assert.Contains("payload shape changed at run time", fault.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpClient_RequestToAClosedPort_FiresStartAndStopWithTheRequestShape()
    {
        var registry = new HookRegistry();
        using var bridge = RuntimeHooks.Register(registry, RuntimeSources.Resolve([RuntimeSources.HttpClient]));
        Assert.Empty(bridge.Unavailable);
        var start = registry.Get<Hook<string, string, string>>("dl_System_Net_Http_HttpRequestOut_Start");
        var stop = registry.Get<Hook<string, string, string, int, int, long>>("dl_System_Net_Http_HttpRequestOut_Stop");
        Assert.Equal("dl_System_Net_Http_HttpRequestOut_Stop(string Request_Method_Method, string Request_RequestUri_Host, string Request_RequestUri_AbsolutePath, int Response_StatusCode, int RequestTaskStatus, long activity_duration_ns)", stop.Signature.Prototype);
        var path = "/" + Guid.NewGuid().ToString("N");
        var starts = new List<string>();
        var stops = new List<(string, int, int)>();
        Action<string, string, string> onStart = (method, _, p) =>
        {
            if (p == path)
            {
                lock (starts)
                {
                    starts.Add(method);
                }
            }
        };
        Action<string, string, string, int, int, long> onStop = (method, _, p, status, task, _) =>
        {
            if (p == path)
            {
                lock (stops)
                {
                    stops.Add((method, status, task));
                }
            }
        };
        start.Attach(onStart);
        stop.Attach(onStop);

        using var client = new HttpClient();
        // Port 1 on loopback refuses the connection: a real request through HttpClient's DiagnosticsHandler, no server.
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri("http://127.0.0.1:1" + path)));

        Assert.Equal(["GET"], starts);
        Assert.Equal([("GET", 0, (int)TaskStatus.Faulted)], stops);
        Assert.Equal(1, bridge.ActiveSubscriptions); // HttpClient makes its listener on first use: subscribed then
        start.Detach(onStart);
        Assert.Equal(1, bridge.ActiveSubscriptions);
        stop.Detach(onStop);
        Assert.Equal(0, bridge.ActiveSubscriptions);
    }

    [Fact]
    public void Activity_AttachAndDetach_ListensOnlyWhileAttachedAndFiresStartAndStop()
    {
        var name = Unique();
        using var source = new ActivitySource(name);
        var registry = new HookRegistry();
        using var bridge = RuntimeHooks.Register(registry, [new ActivitySpec(name)]);
        var start = registry.Get<Hook<string, string, int>>($"activity_{name.Replace('.', '_')}_start");
        var stop = registry.Get<Hook<string, string, int, long>>($"activity_{name.Replace('.', '_')}_stop");
        var seen = new List<string>();
        Action<string, string, int> onStart = (op, _, kind) => seen.Add($"start {op} {kind}");
        Action<string, string, int, long> onStop = (op, display, status, ns) => seen.Add($"stop {op} {display} {status} {ns >= 0}");

        Assert.False(source.HasListeners());
        start.Attach(onStart);
        stop.Attach(onStop);
        using (var activity = source.StartActivity("checkout", ActivityKind.Server))
        {
            Assert.NotNull(activity);
            activity.DisplayName = "POST /checkout";
            activity.SetStatus(ActivityStatusCode.Error);
        }

        start.Detach(onStart);
        stop.Detach(onStop);
        Assert.Equal(0, bridge.ActiveSubscriptions);
        Assert.False(source.HasListeners());
        Assert.Null(source.StartActivity("after"));
        Assert.Equal(["start checkout 1", "stop checkout POST /checkout 2 True"], seen);
    }

    private static MeterInstrumentSpec MeterSpec(string meter, Type type) => new(meter, "shop.orders", type, "amount",
        [new MeterTag("shop.route", typeof(string)), new MeterTag("shop.status", typeof(int))]);

    [Fact]
    public void Meter_Measurements_FireWithTagsOnlyWhileAttached()
    {
        var name = Unique();
        using var meter = new Meter(name);
        var counter = meter.CreateCounter<long>("shop.orders");
        var registry = new HookRegistry();
        using var bridge = RuntimeHooks.Register(registry, [MeterSpec(name, typeof(long))]);
        var hook = registry.Get<Hook<long, string, int>>("meter_shop_orders");
        Assert.Equal("meter_shop_orders(long amount, string shop_route, int shop_status)", hook.Signature.Prototype);
        var seen = new List<(long, string, int)>();
        Action<long, string, int> probe = (value, route, status) => seen.Add((value, route, status));

        Assert.False(counter.Enabled);
        hook.Attach(probe);
        Assert.Equal(1, bridge.ActiveSubscriptions);
        Assert.True(counter.Enabled);
        counter.Add(3, new KeyValuePair<string, object?>("shop.status", 201), new KeyValuePair<string, object?>("shop.route", "/orders/{id}"));
        counter.Add(4);
        hook.Detach(probe);
        counter.Add(5, new KeyValuePair<string, object?>("shop.route", "/after"));

        Assert.Equal(0, bridge.ActiveSubscriptions);
        Assert.False(counter.Enabled);
        Assert.Equal([(3L, "/orders/{id}", 201), (4L, null!, 0)], seen);
    }

    [Fact]
    public void Meter_TagOfAnotherType_NeverThrowsAndFaultsTheProbe()
    {
        var name = Unique();
        using var meter = new Meter(name);
        var counter = meter.CreateCounter<long>("shop.orders");
        var registry = new HookRegistry();
        using var bridge = RuntimeHooks.Register(registry, [MeterSpec(name, typeof(long))]);
        var hook = registry.Get<Hook<long, string, int>>("meter_shop_orders");
        hook.Attach((_, _, _) => { }, owner: "m");

        Assert.Null(Record.Exception(() => counter.Add(1, new KeyValuePair<string, object?>("shop.status", "201"))));
        Assert.False(hook.IsEnabled);
        Assert.Equal(1, hook.FaultCount);
        Assert.Equal(1, bridge.PayloadFaults);
        Assert.Equal(0, bridge.ActiveSubscriptions);
    }

    [Fact]
    public void Meter_InstrumentOfAnotherMeasurementType_FaultsTheProbe()
    {
        var name = Unique();
        var registry = new HookRegistry();
        using var bridge = RuntimeHooks.Register(registry, [MeterSpec(name, typeof(long))]);
        var hook = registry.Get<Hook<long, string, int>>("meter_shop_orders");
        hook.Attach((_, _, _) => { }, owner: "m");
        using var meter = new Meter(name);

        var counter = meter.CreateCounter<double>("shop.orders"); // published after the attach: faulted on this thread
        Assert.Null(Record.Exception(() => counter.Add(1.5)));
        Assert.False(hook.IsEnabled);
        Assert.Equal(1, bridge.PayloadFaults);
    }

    [Fact]
    public void Resolve_UnknownSourceName_IsRefusedListingTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => RuntimeSources.Resolve(["HttpClient", "Kafka"]));
        Assert.StartsWith("Runtime source 'Kafka' is not known; known: HttpClient, AspNetCore", error.Message, StringComparison.Ordinal);
    }
}
