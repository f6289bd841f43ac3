using System.CommandLine;
using ModularTrace.Buffers;
using ModularTrace.Cli.Tracing;
using ModularTrace.Events;
using ModularTrace.Events.Triggers;
using ModularTrace.Modules;
using ModularTrace.Output;
using ModularTrace.Output.Ctf;
using ModularTrace.SampleHost;

namespace ModularTrace.Cli.Commands;

/// <summary><c>mtrace run</c>: the sample host with modules loaded, recording a trace.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var options = new RunOptions();
        var command = new Command("run", "Start the sample host, load modules (default: the default pack), enable events, record a trace.");
        options.AddTo(command);
        var unload = new Option<bool>("--unload")
        {
            Description = "After the run, unload every module (last loaded first) and report any whose code stays in memory (leaked).",
        };
        command.Options.Add(unload);
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            var errors = result.InvocationConfiguration.Error;
            var settings = options.Read(result);
            var text = result.GetValue(options.Text);
            var report = text ? errors : output;
            var (host, run, records) = Record(settings, report);
            if (text)
            {
                WriteText(output, host, records);
            }

            TraceSummary.Write(report, host, run, records);
            foreach (var ev in host.Session.Events.Where(e => e.Triggers.OfType<HistTrigger>().Any()))
            {
                report.WriteLine();
                report.WriteLine($"events/{ev.System}/{ev.Name}/hist:");
                report.Write(HistTrigger.RenderHistFile(ev));
            }

            if (settings.CtfDirectory is { } ctf)
            {
                WriteCtf(report, host, records, ctf);
            }

            if (result.GetValue(unload))
            {
                // Each refusal or leak reaches the report through the loader's log ("[mtrace] name: ... (leaked)").
                foreach (var module in host.Loader.Modules.Reverse())
                {
                    _ = host.Loader.UnloadAndWait(module.Name, TimeSpan.FromSeconds(1));
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Loads, enables, runs the workload and drains the buffers.</summary>
    public static (TraceHost Host, WorkloadResult Run, List<TraceRecord> Records) Record(RunSettings settings, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var host = new TraceHost(settings.Profile, settings.Policy, settings.Keyrings, settings.Trace, log);
        host.Load(settings.Modules, settings.Load);
        DynamicControl.Add(host.Dynamic, settings.Dynamic);
        foreach (var selector in settings.Enable)
        {
            if (host.Session.SetEnabled(selector, true) == 0)
            {
                throw new CliException($"--enable {selector}: no loaded event matches", "'mtrace events' lists the events the loaded modules define");
            }
        }

        foreach (var (selector, expression) in settings.Filters)
        {
            EventControl.SetFilter(host.Session, selector, expression);
        }

        foreach (var (selector, text) in settings.Triggers)
        {
            EventControl.AddTrigger(host.Session, selector, text);
        }

        var run = host.Kernel.Run(settings.Workload);
        var records = new TraceReader(host.Session).Read(consume: true);
        return (host, run, records);
    }

    public static void WriteCtf(TextWriter report, TraceHost host, IReadOnlyList<TraceRecord> records, string directory)
    {
        CtfTraceSummary written;
        try
        {
            written = CtfWriter.Write(directory, host.Session, records, host.Metadata());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"writing the CTF trace failed: {ex.Message}", "give --ctf a new or empty directory on a writable disk");
        }

        report.WriteLine(string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"CTF 1.8 trace: {written.Directory} ({written.EventsWritten:N0} events, {written.Streams} streams, {written.Bytes:N0} bytes, {written.EventsDiscarded:N0} discarded); read it with: babeltrace2 {written.Directory}"));
    }

    public static void WriteText(TextWriter output, TraceHost host, IReadOnlyList<TraceRecord> records, int? limit = null)
    {
        var written = host.Session.Buffers.Sum(b => b.Stats.Written);
        output.Write(TextTraceWriter.Header(host.Session, records.Count, written, host.Metadata().Select(pair => $"{pair.Key}: {pair.Value}")));
        foreach (var record in limit is { } n ? records.Take(n) : records)
        {
            output.WriteLine(TextTraceWriter.Format(record, host.Session));
        }
    }
}

/// <summary>Everything <c>mtrace run</c> needs, resolved from its options.</summary>
internal sealed record RunSettings(
    string? Profile,
    Policy Policy,
    ModularTrace.Signing.Keyrings Keyrings,
    IReadOnlyList<string> Modules,
    LoadOptions Load,
    IReadOnlyList<string> Enable,
    IReadOnlyList<(string Selector, string Text)> Filters,
    IReadOnlyList<(string Selector, string Text)> Triggers,
    string? CtfDirectory,
    TraceOptions Trace,
    WorkloadOptions Workload)
{
    /// <summary>The <c>--dynamic</c> specs, added after the modules load and before <c>--enable</c>.</summary>
    public IReadOnlyList<string> Dynamic { get; init; } = [];
}
