using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ModularTrace.Cli.Live;
using ModularTrace.Control;

namespace ModularTrace.Cli.Commands;

/// <summary>
/// The client verbs of a running host (<c>mtrace host</c>): insmod, rmmod, lsmod, enable, disable, filter, trigger,
/// trace, trace-pipe, stat, taint, each with <c>--attach PID|SOCKET</c>. <c>events</c> is in <see cref="EventsCommand"/>.
/// </summary>
internal static class LiveCommands
{
    public static IEnumerable<Command> Create() =>
        [Insmod(), Rmmod(), Lsmod(), Switch("enable", true), Switch("disable", false), Filter(), Trigger(), Hist(), Trace(), TracePipe(), Stat(), Taint()];

    private static Command Insmod()
    {
        var attach = LiveSession.AttachOption(required: true);
        var file = new Argument<string>("file") { Description = "Module file; the host opens, verifies and loads it itself." };
        var forceVermagic = new Option<bool>("--force-vermagic") { Description = "Load despite a vermagic mismatch (taints F; the signature is no longer trusted)." };
        var forceModversion = new Option<bool>("--force-modversion") { Description = "Load despite hook CRC mismatches (taints F; the signature is no longer trusted)." };
        var loader = RunOptions.LoaderOption();
        var command = new Command("insmod", "Load a module into a running host (the host reads the file; only its path is sent).") { file, attach, forceVermagic, forceModversion, loader };
        command.SetAction(result => LiveSession.Run(result.GetValue(attach)!, async (client, token) =>
        {
            var reply = LiveSession.Check(await client.RequestAsync(new ControlRequest
            {
                Op = ControlOps.Insmod,
                Path = Path.GetFullPath(result.GetValue(file)!),
                ForceVermagic = result.GetValue(forceVermagic),
                ForceModversion = result.GetValue(forceModversion),
                Loader = result.GetValue(loader),
            }, token).ConfigureAwait(false));
            var errors = result.InvocationConfiguration.Error;
            // The host's log lines for this load (taint warnings and the like), as its dmesg shows them.
            foreach (var message in reply.Messages ?? [])
            {
                errors.WriteLine($"[host] {message}");
            }

            var module = reply.Module!;
            result.InvocationConfiguration.Output.WriteLine($"{module.Name}: loaded {module.Version} ({module.Size} bytes, signer {module.Signer ?? "(none)"}{(module.Taints.Length > 0 ? $", taints {module.Taints}" : "")})");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Rmmod()
    {
        var attach = LiveSession.AttachOption(required: true);
        var name = new Argument<string>("name") { Description = "Module name (as lsmod shows it)." };
        var command = new Command("rmmod", "Unload a module from a running host.") { name, attach };
        command.SetAction(result => LiveSession.Run(result.GetValue(attach)!, async (client, token) =>
        {
            LiveSession.Check(await client.RequestAsync(new ControlRequest { Op = ControlOps.Rmmod, Name = result.GetValue(name) }, token).ConfigureAwait(false));
            result.InvocationConfiguration.Output.WriteLine($"{result.GetValue(name)}: unloaded");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Lsmod()
    {
        var attach = LiveSession.AttachOption(required: true);
        var json = new Option<bool>("--json") { Description = "Print the modules as JSON." };
        var command = new Command("lsmod", "List the modules loaded in a running host: name, size, used by, taints, signer.") { attach, json };
        command.SetAction(result => LiveSession.Run(result.GetValue(attach)!, async (client, token) =>
        {
            var modules = LiveSession.Check(await client.RequestAsync(new ControlRequest { Op = ControlOps.Lsmod }, token).ConfigureAwait(false)).Modules ?? [];
            var output = result.InvocationConfiguration.Output;
            if (result.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(modules, CliJson.Options));
                return ExitCodes.Ok;
            }

            output.WriteLine($"{"Module",-20} {"Size",8}  {"Used by",-16} {"Taints",-6}  Signer");
            foreach (var m in modules)
            {
                var usedBy = string.Create(CultureInfo.InvariantCulture, $"{m.UsedBy.Count} {string.Join(',', m.UsedBy)}").TrimEnd();
                // Faults after the signer, so the columns scripts read stay where they were.
                var faults = m.ProbeFaults > 0 ? string.Create(CultureInfo.InvariantCulture, $"  ({m.ProbeFaults} probe fault{(m.ProbeFaults == 1 ? "" : "s")})") : "";
                output.WriteLine($"{m.Name,-20} {m.Size,8}  {usedBy,-16} {m.Taints,-6}  {m.Signer ?? "(unsigned)"}{faults}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Switch(string verb, bool enable)
    {
        var attach = LiveSession.AttachOption(required: true);
        var selector = new Argument<string>("selector") { Description = "SYS:EVENT, SYS:*, *:EVENT or all." };
        var command = new Command(verb, $"{(enable ? "Enable" : "Disable")} events in a running host (the kernel's events/SYS/EVENT/enable).") { selector, attach };
        command.SetAction(result => LiveSession.Run(result.GetValue(attach)!, async (client, token) =>
        {
            var reply = LiveSession.Check(await client.RequestAsync(new ControlRequest { Op = verb, Selector = result.GetValue(selector) }, token).ConfigureAwait(false));
            var events = reply.Events ?? [];
            result.InvocationConfiguration.Output.WriteLine($"{verb}d {events.Count} event{(events.Count == 1 ? "" : "s")}: {string.Join(' ', events.Select(e => e.Name))}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Filter()
    {
        var attach = LiveSession.AttachOption(required: true);
        var selector = new Argument<string>("selector") { Description = "SYS:EVENT, SYS:* or all." };
        var expression = new Argument<string>("expr") { Description = "Filter in the kernel's grammar, e.g. 'prev_pid < 100 && prev_comm ~ \"k*\"'; 0 clears it." };
        var command = new Command("filter", "Set the filter of events in a running host (all selected events or none).") { selector, expression, attach };
        command.SetAction(result => LiveSession.Run(result.GetValue(attach)!, async (client, token) =>
        {
            var reply = LiveSession.Check(await client.RequestAsync(new ControlRequest { Op = ControlOps.Filter, Selector = result.GetValue(selector), Expr = result.GetValue(expression) }, token).ConfigureAwait(false));
            foreach (var ev in reply.Events ?? [])
            {
                result.InvocationConfiguration.Output.WriteLine($"{ev.Name}: filter {(ev.Filter is null ? "cleared" : $"'{ev.Filter}'")}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Trigger()
    {
        var attach = LiveSession.AttachOption(required: true);
        var selector = new Argument<string>("selector") { Description = "SYS:EVENT, SYS:* or all." };
        var text = new Argument<string>("trigger") { Description = "traceoff, enable_event:SYS:EV, hist:keys=F[:vals=F] ... [if FILTER]; a leading '!' removes it." };
        var command = new Command("trigger", "Attach (or with '!', remove) a trigger on events in a running host.") { selector, text, attach };
        command.SetAction(result => LiveSession.Run(result.GetValue(attach)!, async (client, token) =>
        {
            var reply = LiveSession.Check(await client.RequestAsync(new ControlRequest { Op = ControlOps.Trigger, Selector = result.GetValue(selector), Trigger = result.GetValue(text) }, token).ConfigureAwait(false));
            foreach (var ev in reply.Events ?? [])
            {
                result.InvocationConfiguration.Output.WriteLine($"{ev.Name}: triggers [{string.Join("; ", ev.Triggers)}]");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Hist()
    {
        var attach = LiveSession.AttachOption(required: true);
        var selector = new Argument<string>("selector") { Description = "SYS:EVENT, SYS:* or all." };
        var command = new Command("hist", "Print the histograms of the hist triggers on events in a running host (tracefs' events/SYS/EVENT/hist).") { selector, attach };
        command.SetAction(result => LiveSession.Run(result.GetValue(attach)!, async (client, token) =>
        {
            var reply = LiveSession.Check(await client.RequestAsync(new ControlRequest { Op = ControlOps.Hist, Selector = result.GetValue(selector) }, token).ConfigureAwait(false));
            foreach (var line in reply.Lines ?? [])
            {
                result.InvocationConfiguration.Output.WriteLine(line);
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Trace()
    {
        var attach = LiveSession.AttachOption(required: true);
        var events = new Option<long?>("--events") { Description = "Print at most this many records." };
        var command = new Command("trace", "Print what the buffers of a running host hold now, without consuming it (the kernel's trace file).") { attach, events };
        command.SetAction(result => LiveSession.Run(result.GetValue(attach)!, (client, token) =>
            StreamAsync(client, new ControlRequest { Op = ControlOps.Trace, MaxEvents = result.GetValue(events) }, result.InvocationConfiguration.Output, token)));
        return command;
    }

    private static Command TracePipe()
    {
        var attach = LiveSession.AttachOption(required: true);
        var events = new Option<long?>("--events") { Description = "Stop after this many records (default: until Ctrl-C)." };
        var command = new Command("trace-pipe", "Stream records from a running host as they arrive, consuming them (the kernel's trace_pipe).") { attach, events };
        command.SetAction(result =>
        {
            if (result.GetValue(events) is <= 0)
            {
                throw new CliException("--events must be positive", null, ExitCodes.Usage);
            }

            // Acknowledged: the host settles each record once this process has written it out, and Ctrl-C drains what
            // the host already sent before the stream ends, so stopping a reader loses nothing.
            return LiveSession.Run(result.GetValue(attach)!, (client, token) =>
                StreamAsync(client, new ControlRequest { Op = ControlOps.TracePipe, MaxEvents = result.GetValue(events), Ack = true }, result.InvocationConfiguration.Output, token, result.InvocationConfiguration.Error));
        });
        return command;
    }

    private static async Task<int> StreamAsync(ControlClient client, ControlRequest request, TextWriter output, CancellationToken token, TextWriter? errors = null)
    {
        await foreach (var frame in client.StreamAsync(request, token).ConfigureAwait(false))
        {
            LiveSession.Check(frame);
            foreach (var line in frame.Lines ?? [])
            {
                output.WriteLine(line);
            }

            // Flushed before the next frame is asked for, which is when the client acknowledges this one.
            output.Flush();
            if (frame.End == "host_stopping")
            {
                errors?.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"mtrace: the host (pid {client.Hello.Pid}) is shutting down: the stream ended after {frame.Count} records; {frame.Unread ?? 0} records it held were never sent"));
                errors?.Flush();
            }
        }

        return ExitCodes.Ok;
    }

    private static Command Stat()
    {
        var attach = LiveSession.AttachOption(required: true);
        var json = new Option<bool>("--json") { Description = "Print the counters as JSON." };
        var command = new Command("stat", "Per-buffer counters of a running host (the kernel's per_cpu/cpuN/stats).") { attach, json };
        command.SetAction(result => LiveSession.Run(result.GetValue(attach)!, async (client, token) =>
        {
            var reply = LiveSession.Check(await client.RequestAsync(new ControlRequest { Op = ControlOps.Stat }, token).ConfigureAwait(false));
            var output = result.InvocationConfiguration.Output;
            var buffers = reply.Buffers ?? [];
            if (result.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new { buffers, taints = reply.Taints, probe_faults = reply.ProbeFaults ?? [], vermagic = reply.Vermagic ?? client.Hello.Vermagic }, CliJson.Options));
                return ExitCodes.Ok;
            }

            // The first eight columns as before; the trace_pipe books after them.
            output.WriteLine($"{"buffer",6} {"cpu",4} {"entries",10} {"written",12} {"read",12} {"overrun",10} {"dropped",10} {"bytes",14} {"delivered",12} {"rd-lost",10} {"inflight",8} {"unrep",8}");
            foreach (var b in buffers)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{b.Buffer,6} {b.Cpu,4} {b.Entries,10} {b.Written,12} {b.Read,12} {b.Overrun,10} {b.Dropped,10} {b.Bytes,14} {b.Delivered,12} {b.ReaderLost,10} {b.InFlight,8} {b.LostUnreported,8}"));
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{buffers.Count} buffers; written {buffers.Sum(b => b.Written)}, read {buffers.Sum(b => b.Read)}, lost {buffers.Sum(b => b.Overrun + b.Dropped)}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trace_pipe: delivered {buffers.Sum(b => b.Delivered)}, lost to readers {buffers.Sum(b => b.ReaderLost)}, in flight {buffers.Sum(b => b.InFlight)}, losses not yet reported as LOST {buffers.Sum(b => b.LostUnreported)}"));
            foreach (var fault in reply.ProbeFaults ?? [])
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"probe faults: {fault.Module} on {fault.Hook}: {fault.Faults}"));
            }

            if (reply.Taints is { } taints)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"taints: {(taints.Letters.Length > 0 ? taints.Letters : "not tainted")} ({taints.Mask})"));
            }

            output.WriteLine($"vermagic: {reply.Vermagic ?? client.Hello.Vermagic}");

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Taint()
    {
        var attach = LiveSession.AttachOption(required: true);
        var json = new Option<bool>("--json") { Description = "Print the taints as JSON." };
        var command = new Command("taint", "The taints of a running host (the kernel's /proc/sys/kernel/tainted).") { attach, json };
        command.SetAction(result => LiveSession.Run(result.GetValue(attach)!, async (client, token) =>
        {
            var taints = LiveSession.Check(await client.RequestAsync(new ControlRequest { Op = ControlOps.Taint }, token).ConfigureAwait(false)).Taints!;
            var output = result.InvocationConfiguration.Output;
            if (result.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(taints, CliJson.Options));
                return ExitCodes.Ok;
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{taints.Mask}\t{(taints.Letters.Length > 0 ? taints.Letters : "not tainted")}"));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
