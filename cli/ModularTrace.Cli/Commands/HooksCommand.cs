using System.CommandLine;
using System.Text.Json;
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
        var command = new Command("hooks", "List the sample host's raw hooks with their argument signatures and CRCs.") { symvers, json };
        command.SetAction(result =>
        {
            var registry = HostProfiles.CreateHooks(null).Registry;
            var output = result.InvocationConfiguration.Output;
            if (result.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(
                    registry.Hooks.Select(hook => new HookJson(
                        hook.Name,
                        hook.Signature.CrcText,
                        hook.Signature.Prototype,
                        [.. hook.Signature.Arguments.Select(arg => new HookArgumentJson(arg.Name, arg.TypeName))])),
                    CliJson.Options));
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

    private sealed record HookJson(string Name, string Crc, string Prototype, HookArgumentJson[] Arguments);

    private sealed record HookArgumentJson(string Name, string Type);
}
