using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ModularTrace.Cli.Live;
using ModularTrace.Cli.Tracing;
using ModularTrace.Control;
using ModularTrace.Events;
using ModularTrace.Modules;
using ModularTrace.Output;

namespace ModularTrace.Cli.Commands;

/// <summary>
/// <c>mtrace events</c>: the events a running host defines (<c>--attach</c>), or, without it, those the pack (or
/// <c>--load</c>) defines when loaded into a fresh in-process host. Both print the same shape.
/// </summary>
internal static class EventsCommand
{
    public static Command Create()
    {
        var run = new RunOptions();
        var attach = LiveSession.AttachOption(required: false);
        var json = new Option<bool>("--json") { Description = "Print the events as JSON." };
        var format = new Option<string?>("--format") { Description = "Print the format file of SYS:EVENT (the kernel's events/SYS/EVENT/format)." };
        var command = new Command("events", "List the events the loaded modules define: of a running host with --attach, else of the pack loaded here.") { attach, json, format };
        foreach (var option in new Option[] { run.Profile, run.Policy, run.Load, run.Pack })
        {
            command.Options.Add(option);
        }

        run.Trust.AddTo(command);
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            if (result.GetValue(attach) is { } target)
            {
                if (result.GetValue(run.Load) is { Length: > 0 } || result.GetValue(run.Pack) is not null)
                {
                    throw new CliException("--load and --pack choose modules for an in-process host; with --attach the host's own modules are listed", "use 'mtrace insmod --attach' to load into the host", ExitCodes.Usage);
                }

                return LiveSession.Run(target, async (client, token) =>
                {
                    var reply = LiveSession.Check(await client.RequestAsync(new ControlRequest { Op = ControlOps.Events, Format = result.GetValue(format) }, token).ConfigureAwait(false));
                    Print(output, reply.Events ?? [], reply.FormatText, result.GetValue(json));
                    return ExitCodes.Ok;
                });
            }

            var policy = result.GetValue(run.Policy) switch
            {
                "enforce" => Policy.Enforce,
                "permissive" => Policy.Permissive,
                "lockdown" => Policy.Lockdown,
                var other => throw new CliException($"unknown policy '{other}'", "use enforce, permissive or lockdown", ExitCodes.Usage),
            };
            var modules = result.GetValue(run.Load) is { Length: > 0 } loads
                ? loads
                : Packs.ModuleFiles(RepoPaths.RequireRoot("--load FILE"), result.GetValue(run.Pack) ?? Packs.Default);
            var host = new TraceHost(result.GetValue(run.Profile), policy, run.Trust.Resolve(result, requireSomething: false), new TraceOptions(), TextWriter.Null);
            host.Load(modules, new LoadOptions());
            if (result.GetValue(format) is { } name)
            {
                var ev = host.Session.Find(name) ?? throw new CliException($"no event {name}", "'mtrace events' lists the events the loaded modules define");
                Print(output, [], FormatFile.Render(ev), json: false);
            }
            else
            {
                Print(output, [.. host.Session.Events.Select(EventInfo.From)], null, result.GetValue(json));
            }

            foreach (var module in host.Loader.Modules.Select(m => m.Name).ToArray())
            {
                host.Loader.Unload(module);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static void Print(TextWriter output, IReadOnlyList<EventInfo> events, string? formatText, bool json)
    {
        if (formatText is not null)
        {
            output.Write(formatText);
            return;
        }

        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(events, CliJson.Options));
            return;
        }

        foreach (var ev in events)
        {
            var line = string.Create(CultureInfo.InvariantCulture, $"{ev.Name,-32} {ev.Id,5}  {(ev.Enabled ? "enabled" : "disabled"),-8}  {ev.Module ?? "-"}");
            line += ev.Filter is null ? "" : $"  filter: {ev.Filter}";
            line += ev.Triggers.Count == 0 ? "" : $"  triggers: {string.Join("; ", ev.Triggers)}";
            output.WriteLine(line);
        }

        output.WriteLine($"{events.Count} events");
    }
}
