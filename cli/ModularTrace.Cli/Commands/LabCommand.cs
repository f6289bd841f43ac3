using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ModularTrace.Cli.Lab;
using Spectre.Console;

namespace ModularTrace.Cli.Commands;

/// <summary><c>mtrace lab</c>: replay the distributor-module debate with real loads, traces and reads.</summary>
internal static class LabCommand
{
    public static Command Create()
    {
        var scenario = new Argument<string>("scenario") { Description = "A scenario id, or all.", DefaultValueFactory = _ => "all" };
        var format = new Option<string>("--format") { Description = "table (default), json or markdown.", DefaultValueFactory = _ => "table" };
        var list = new Option<bool>("--list") { Description = "List the scenarios." };
        var command = new Command("lab", "Run the distributor-module experiments: each scenario loads, traces and reads for real and gives a verdict on a claim from the debate.")
        {
            scenario, format, list,
        };
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            if (result.GetValue(list))
            {
                foreach (var (id, title, _) in LabScenarios.All)
                {
                    output.WriteLine($"{id,-14} {title}");
                }

                return ExitCodes.Ok;
            }

            var which = result.GetValue(scenario)!;
            var selected = which == "all" ? LabScenarios.All : LabScenarios.All.Where(s => s.Id == which).ToArray();
            if (selected.Count == 0)
            {
                throw new CliException($"unknown scenario '{which}'", $"the scenarios are: {string.Join(", ", LabScenarios.All.Select(s => s.Id))}, or all", ExitCodes.Usage);
            }

            var style = result.GetValue(format);
            if (style is not ("table" or "json" or "markdown"))
            {
                throw new CliException($"unknown format '{style}'", "use table, json or markdown", ExitCodes.Usage);
            }

            var lab = new LabContext(RepoPaths.RequireCheckout("the lab builds packs from its sources"), result.InvocationConfiguration.Error);
            var results = new List<LabResult>();
            foreach (var (id, title, run) in selected)
            {
                var started = Stopwatch.GetTimestamp();
                result.InvocationConfiguration.Error.WriteLine($"lab: {id}: {title}");
                var outcome = run(lab);
                results.Add(outcome with { Evidence = [.. outcome.Evidence, $"(ran in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s)"] });
            }

            switch (style)
            {
                case "json":
                    output.WriteLine(JsonSerializer.Serialize(results, CliJson.Options));
                    break;
                case "markdown":
                    output.Write(Markdown(results));
                    break;
                default:
                    var console = CliConsole.Create(output);
                    foreach (var r in results)
                    {
                        var table = new Table().Title($"{r.Id}: {r.Claim}".EscapeMarkup()).AddColumns("evidence");
                        foreach (var line in r.Evidence)
                        {
                            table.AddRow(line.EscapeMarkup());
                        }

                        table.AddRow($"[bold]verdict:[/] {r.Verdict.EscapeMarkup()}");
                        console.Write(table);
                    }

                    break;
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static string Markdown(IEnumerable<LabResult> results)
    {
        var text = new StringBuilder();
        foreach (var r in results)
        {
            text.Append("### `").Append(r.Id).Append("`: ").Append(r.Claim).Append('\n');
            text.Append('*').Append(r.Source).Append("*\n\n");
            foreach (var line in r.Evidence)
            {
                text.Append("- ").Append(line.Replace("|", "\\|", StringComparison.Ordinal)).Append('\n');
            }

            text.Append("\n**Verdict:** ").Append(r.Verdict).Append("\n\n");
        }

        return text.ToString();
    }
}
