using System.CommandLine;
using System.Text.Json;
using ModularTrace.Cli.Live;
using ModularTrace.Cli.Tracing;
using ModularTrace.Control;
using ModularTrace.Hooks;
using ModularTrace.SampleHost;
using Spectre.Console;

namespace ModularTrace.Cli.Commands;

/// <summary><c>mtrace hooks</c>: the host's raw hooks and their CRCs.</summary>
internal static class HooksCommand
{
    public static Command Create()
    {
        var symvers = new Option<bool>("--symvers") { Description = "Print the symvers table: 0xCRC<TAB>name<TAB>prototype, sorted by name." };
        var json = new Option<bool>("--json") { Description = "Print the hooks as JSON." };
        var profile = new Option<string?>("--profile") { Description = "A host profile's hooks (simulated distribution kernel); default: the host as built." };
        var profiles = new Option<bool>("--profiles") { Description = "List the host profiles: name, vermagic, how their hooks differ." };
        var attach = LiveSession.AttachOption(required: false);
        attach.Description = "A running host's hooks and vermagic (its pid, see 'mtrace ps', or its control socket path).";
        var assembly = new Option<string?>("--assembly") { Description = "A host program's hooks, read from its built assembly (the type its [assembly: HostHooks(typeof(...))] names), without running it." };
        var writeSymvers = new Option<string?>("--write-symvers") { Description = "With --assembly: write DIR/Module.symvers and DIR/Module.vermagic (a host's build step)." };
        var command = new Command("hooks", "List a host's raw hooks with their argument signatures and CRCs: the sample host's, a running host's (--attach) or a built host's (--assembly).")
        {
            symvers, json, profile, profiles, attach, assembly, writeSymvers,
        };
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            var sources = new[] { result.GetValue(attach) is not null, result.GetValue(assembly) is not null, result.GetValue(profile) is not null || result.GetValue(profiles) }.Count(x => x);
            if (sources > 1)
            {
                throw new CliException("hooks: --attach, --assembly and --profile/--profiles each name a host; give one", "'mtrace hooks --help' describes them", ExitCodes.Usage);
            }

            if (result.GetValue(writeSymvers) is not null && result.GetValue(assembly) is null)
            {
                throw new CliException("hooks: --write-symvers needs --assembly", "a running host's table: 'mtrace hooks --attach PID --symvers > Module.symvers'", ExitCodes.Usage);
            }

            if (result.GetValue(attach) is { } target)
            {
                return LiveSession.Run(target, async (client, token) =>
                {
                    if (client.Hello.Ops?.Contains(ControlOps.Hooks) != true)
                    {
                        throw new CliException($"the host (pid {client.Hello.Pid}) does not serve 'hooks': it is an older ModularTrace", "use the mtrace that came with the host, or read the Module.symvers its build wrote");
                    }

                    var reply = LiveSession.Check(await client.RequestAsync(new ControlRequest { Op = ControlOps.Hooks }, token).ConfigureAwait(false));
                    Symvers table;
                    try
                    {
                        table = Symvers.Parse(reply.Symvers ?? "", $"the host's symvers (pid {client.Hello.Pid})");
                    }
                    catch (FormatException ex)
                    {
                        throw new CliException($"hooks: {ex.Message}", "the host sent a table this mtrace cannot read; use the mtrace that came with the host");
                    }

                    Print(output, "attach", table, reply.Vermagic ?? "", result.GetValue(json), result.GetValue(symvers));
                    return ExitCodes.Ok;
                });
            }

            if (result.GetValue(assembly) is { } file)
            {
                var (text, vermagic, _, hooks) = HostAssembly.Read(file);
                if (result.GetValue(writeSymvers) is { } directory)
                {
                    var written = hooks.WriteSymvers(directory);
                    output.WriteLine($"{written}: {hooks.Registry.Count} hooks, vermagic '{vermagic}'");
                    return ExitCodes.Ok;
                }

                Print(output, "assembly", Symvers.Parse(text), vermagic, result.GetValue(json), result.GetValue(symvers));
                return ExitCodes.Ok;
            }

            if (result.GetValue(profiles))
            {
                var list = new Table().AddColumns("profile", "vermagic", "hooks differ by", "description");
                foreach (var p in HostProfile.All)
                {
                    list.AddRow(p.Name, HostProfiles.Vermagic(p).EscapeMarkup(), p.Variants.ToString(), p.Description.EscapeMarkup());
                }

                CliConsole.Create(output).Write(list);
                return ExitCodes.Ok;
            }

            var registry = HostProfiles.CreateHooks(result.GetValue(profile)).Registry;
            if (result.GetValue(json))
            {
                // The same document as for --attach and --assembly; the sample host's vermagic is its profile's.
                PrintJson(output, "sample", registry.ToSymvers(), HostProfiles.Vermagic(HostProfiles.Resolve(result.GetValue(profile))));
            }
            else if (result.GetValue(symvers))
            {
                output.Write(registry.ToSymvers().Format());
            }
            else
            {
                var table = new Table().AddColumns("hook", "crc", "arguments");
                foreach (var hook in registry.Hooks)
                {
                    table.AddRow(hook.Name.EscapeMarkup(), hook.Signature.CrcText, string.Join(", ", hook.Signature.Arguments).EscapeMarkup());
                }

                CliConsole.Create(output).Write(table);
                output.WriteLine($"{registry.Count} hooks; 'mtrace hooks --symvers' prints the table modules are built against.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    // Another host's table: symvers lines as they are, JSON with the vermagic, or a table with the vermagic under it.
    private static void Print(TextWriter output, string source, Symvers table, string vermagic, bool json, bool symvers)
    {
        if (json)
        {
            PrintJson(output, source, table, vermagic);
        }
        else if (symvers)
        {
            output.Write(table.Format());
        }
        else
        {
            var rows = new Table().AddColumns("hook", "crc", "prototype");
            foreach (var entry in table.Entries.Values)
            {
                rows.AddRow(entry.Name.EscapeMarkup(), HookSignature.FormatCrc(entry.Crc), entry.Prototype.EscapeMarkup());
            }

            CliConsole.Create(output).Write(rows);
            output.WriteLine($"{table.Entries.Count} hooks; vermagic '{vermagic}'");
        }
    }

    // One document whatever the host (docs/module-sdk.md, "mtrace hooks --json"): where it came from, the host's
    // vermagic, and its hooks with the fields the sample host's bare array had (name, crc, prototype, arguments).
    private static void PrintJson(TextWriter output, string source, Symvers table, string vermagic) =>
        output.WriteLine(JsonSerializer.Serialize(
            new HostHooksJson(source, vermagic, table.Entries.Count, [.. table.Entries.Values.Select(e => new HookJson(e.Name, HookSignature.FormatCrc(e.Crc), e.Prototype, [.. Arguments(e)]))]),
            CliJson.Options));

    // "name(type a, type b)" -> (a, type), (b, type)
    private static IEnumerable<HookArgumentJson> Arguments(SymversEntry entry)
    {
        var inside = entry.Prototype[(entry.Name.Length + 1)..^1];
        foreach (var argument in inside.Split(", ", StringSplitOptions.RemoveEmptyEntries))
        {
            var space = argument.LastIndexOf(' ');
            yield return space < 0 ? new HookArgumentJson("", argument) : new HookArgumentJson(argument[(space + 1)..], argument[..space]);
        }
    }

    private sealed record HostHooksJson(string Source, string Vermagic, int Count, HookJson[] Hooks);

    private sealed record HookJson(string Name, string Crc, string Prototype, HookArgumentJson[] Arguments);

    private sealed record HookArgumentJson(string Name, string Type);
}
