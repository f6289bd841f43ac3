using System.CommandLine;
using System.Globalization;
using ModularTrace.Hooks;
using ModularTrace.SampleHost;
using Spectre.Console;

namespace ModularTrace.Cli.Commands;

/// <summary><c>mtrace demo</c>: the README's main job on built-in defaults.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var events = new Option<long>("--events") { Description = "Hook firings to simulate.", DefaultValueFactory = _ => 20_000 };
        var cpus = new Option<int>("--cpus") { Description = "Simulated CPUs.", DefaultValueFactory = _ => 2 };
        var seed = new Option<int>("--seed") { Description = "Workload seed.", DefaultValueFactory = _ => 1 };
        var command = new Command("demo", "Run the sample host (a simulated kernel) and show what its raw hooks fired.") { events, cpus, seed };
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            var options = new WorkloadOptions { Events = result.GetValue(events), Cpus = result.GetValue(cpus), Seed = result.GetValue(seed) };
            if (options.Validate() is { } problem)
            {
                throw new CliException(problem, "see 'mtrace demo --help'", ExitCodes.Usage);
            }

            var registry = new HookRegistry();
            var kernel = new SimulatedKernel(new KernelHooks(registry));
            output.WriteLine($"sample host: {registry.Count} raw hooks, {options.Cpus} simulated CPUs, seed {options.Seed}");
            var run = kernel.Run(options);
            var table = new Table().AddColumns("hook", "fired");
            table.Columns[1].RightAligned();
            foreach (var (hook, count) in run.FiresByHook)
            {
                table.AddRow(hook, count.ToString("N0", CultureInfo.InvariantCulture));
            }

            CliConsole.Create(output).Write(table);
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{run.TotalFires:N0} hook firings in {run.Elapsed.TotalMilliseconds:F0} ms ({string.Join(", ", run.FiresByCpu.Select((n, cpu) => $"cpu{cpu} {n:N0}"))})"));
            output.WriteLine("No probe was attached: the core has hooks only. Trace events come from modules.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
