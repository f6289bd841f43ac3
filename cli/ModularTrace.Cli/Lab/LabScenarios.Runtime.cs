using System.Diagnostics;
using ModularTrace.Cli.Tracing;
using ModularTrace.Events;
using ModularTrace.Modules;
using ModularTrace.Output;
using ModularTrace.Runtime;
using ModularTrace.Signing;

namespace ModularTrace.Cli.Lab;

/// <summary>The runtime-payload scenario: .NET's DiagnosticListener payloads as ABI nobody promised.</summary>
internal static partial class LabScenarios
{
    private const int PayloadRequests = 1_000;

    private static readonly int[] s_statuses = [200, 201, 404, 500];

    private static LabResult RuntimePayload(LabContext lab)
    {
        var v1 = RunPayload(lab, "v1 (Method, Path, int StatusCode)", typeof(LabPayloads.RequestStopV1), (m, p, s) => new LabPayloads.RequestStopV1(m, p, s));
        var v2 = RunPayload(lab, "v2 (StatusCode renamed Status)", typeof(LabPayloads.RequestStopV2), (m, p, s) => new LabPayloads.RequestStopV2(m, p, s));
        var v3 = RunPayload(lab, "v3 (StatusCode widened to long)", typeof(LabPayloads.RequestStopV3), (m, p, s) => new LabPayloads.RequestStopV3(m, p, s));
        List<string> evidence = [.. new[] { v1, v2, v3 }.Select(r => r.Describe())];
        var holds = v1.SubscriberCorrect && v1.Module.Loaded && v1.ModuleRecords == PayloadRequests && v1.ModuleWrong == 0
            && new[] { v2, v3 }.All(r => r.SubscriberWrong + r.SubscriberDropped > 0 && !r.Module.Loaded && r.ProbesLeft == 0 && r.Subscriptions == 0)
            && v2.Module.Error!.Contains("unknown symbol", StringComparison.Ordinal)
            && v3.Module.Error!.Contains("disagrees about version of symbol", StringComparison.Ordinal);
        return new LabResult("runtime-payload",
            "A DiagnosticListener payload is an ABI nobody promised: a subscriber bound to its property names records wrong values silently when the framework changes it; a module locked to the payload's shape CRC is refused instead.",
            "Ts'o / Chinner, 2025 (seed 004); ASP.NET Core's deprecated BeginRequest, OpenTelemetry's PropertyFetcher (issue 22)", evidence,
            holds
                ? $"holds: after the payload changed, the reflection subscriber recorded {N(v2.SubscriberWrong)}/{N(PayloadRequests)} (renamed) and {N(v3.SubscriberWrong)}/{N(PayloadRequests)} (widened) requests with status 0 and said nothing; the CRC-locked module was refused at load both times (unknown symbol, disagrees about version of symbol) and attached nothing"
                : "does not hold as stated: see the evidence");
    }

    /// <summary>One framework version: its own DiagnosticListener, the host's bridge for that version's payload type, the
    /// reflection subscriber, and the module built against v1, all fed the same requests.</summary>
    internal static PayloadRun RunPayload(LabContext lab, string version, Type payloadType, Func<string, string, int, object> payload)
    {
        var dev = new Keyrings([CertificateFile.Load(HostProfiles.Key(lab.Root, HostProfiles.Resolve(null)).CertificatePath)]);
        var host = LabContext.Host("default", Policy.Enforce, dev);
        using var framework = new DiagnosticListener(LabPayloads.Listener);
        using var bridge = RuntimeHooks.Register(host.Hooks.Registry, [LabPayloads.Spec(payloadType)]);
        using var subscriber = new ReflectionSubscriber(framework);
        var module = host.Loader.Load(lab.LabModule("LabPayload"));
        var sent = Enumerable.Range(0, PayloadRequests).Select(i => (Method: i % 4 == 1 ? "POST" : "GET", Path: $"/orders/{i}", Status: s_statuses[i % 4])).ToArray();
        if (module.Loaded)
        {
            host.Session.SetEnabled("lab:request_stop", true);
        }

        foreach (var (method, path, status) in sent)
        {
            // As ASP.NET Core's HostingApplicationDiagnostics does: build the payload only if someone listens.
            if (framework.IsEnabled(LabPayloads.RequestStop))
            {
                framework.Write(LabPayloads.RequestStop, payload(method, path, status));
            }
        }

        var records = new TraceReader(host.Session).Read(consume: true);
        var moduleWrong = 0;
        if (module.Loaded)
        {
            var layout = host.Session.Find("lab:request_stop")!.Class.Layout;
            moduleWrong = sent.Length - records.Count + records.Zip(sent).Count(p =>
                RecordValues.ReadString(p.First.Data, layout["method"]) != p.Second.Method
                || RecordValues.ReadString(p.First.Data, layout["path"]) != p.Second.Path
                || RecordValues.ReadInt64(p.First.Data, layout["status"]) != p.Second.Status);
            host.Session.SetEnabled("lab:request_stop", false);
        }

        var subscriberWrong = subscriber.Rows.Zip(sent).Count(p => p.First != p.Second);
        var probes = bridge.Hooks.Sum(h => h.ProbeCount);
        var subscriptions = bridge.ActiveSubscriptions;
        if (module.Loaded)
        {
            host.Loader.Unload(module.Module!.Name);
        }

        return new PayloadRun(version, subscriber.Rows.Count, subscriberWrong, subscriber.Dropped, module, records.Count, moduleWrong, probes, subscriptions,
            bridge.Hooks.IsEmpty ? $"none ({bridge.Unavailable.FirstOrDefault()})" : bridge.Hooks[0].Signature.Prototype + " " + bridge.Hooks[0].Signature.CrcText);
    }

    /// <summary>What one framework version gave each consumer.</summary>
    internal sealed record PayloadRun(string Version, int SubscriberRows, int SubscriberWrong, int SubscriberDropped, ModuleLoadResult Module,
        int ModuleRecords, int ModuleWrong, int ProbesLeft, int Subscriptions, string HostHook)
    {
        public bool SubscriberCorrect => SubscriberRows == PayloadRequests && SubscriberWrong == 0 && SubscriberDropped == 0;

        public string Describe() =>
            $"framework {Version}, host hook {HostHook}: reflection subscriber {N(SubscriberRows)} rows, {N(SubscriberWrong)} wrong, {N(SubscriberDropped)} dropped, no exception or message; "
            + $"module lab_payload (built against v1, CRC 0xd46ab02c): {LabContext.Outcome(Module)}"
            + (Module.Loaded ? $", {N(ModuleRecords)} records, {N(ModuleWrong)} wrong" : $", {ProbesLeft} probes attached, {Subscriptions} subscriptions");
    }
}
