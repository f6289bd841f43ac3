using System.Globalization;
using ModularTrace.Buffers;
using ModularTrace.Modules;
using ModularTrace.Output;
using ModularTrace.SampleHost;
using Spectre.Console;

namespace ModularTrace.Cli.Tracing;

/// <summary>The end-of-run report: modules (lsmod), events per type, buffers (per-CPU stats), taints.</summary>
internal static class TraceSummary
{
    public static void Write(TextWriter output, TraceHost host, WorkloadResult run, IReadOnlyList<TraceRecord> records)
    {
        var console = CliConsole.Create(output);
        var modules = new Table().Title("modules (lsmod)").AddColumns("module", "version", "size", "signer", "taints");
        foreach (var m in host.Loader.Modules)
        {
            modules.AddRow(m.Name, m.Manifest.Version, m.Size.ToString(CultureInfo.InvariantCulture), (m.Signature.Signer ?? "(unsigned)").EscapeMarkup(), TaintSet.Letters(m.Taints));
        }

        console.Write(modules);
        var events = new Table().Title("events recorded").AddColumns("event", "records", "filtered out");
        events.Columns[1].RightAligned();
        events.Columns[2].RightAligned();
        var byEvent = records.GroupBy(r => r.Event?.FullName ?? $"id {r.EventId}").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        foreach (var ev in host.Session.Events.Where(e => e.IsEnabled || byEvent.ContainsKey(e.FullName)))
        {
            events.AddRow(ev.FullName, N(byEvent.GetValueOrDefault(ev.FullName)), N(ev.FilteredOut));
        }

        console.Write(events);
        var buffers = new Table().Title("buffers").AddColumns("buffer", "cpu", "written", "read", "overrun", "dropped", "bytes");
        foreach (var buffer in host.Session.Buffers)
        {
            var s = buffer.Stats;
            buffers.AddRow(N(s.Buffer), N(s.Cpu), N(s.Written), N(s.Read), N(s.Overrun), N(s.Dropped), N(s.Bytes));
        }

        console.Write(buffers);
        var lost = host.Session.Buffers.Sum(b => b.Lost);
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{records.Count:N0} events from {run.TotalFires:N0} hook firings in {run.Elapsed.TotalMilliseconds:F0} ms; lost {lost:N0}; host taints: {host.Loader.Taints} (mask {host.Loader.Taints.Mask})"));
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
