using System.CommandLine;
using System.Globalization;
using ModularTrace.Cli.Tracing;
using ModularTrace.Events;
using ModularTrace.Modules;
using ModularTrace.SampleHost;
using ModularTrace.Signing;

namespace ModularTrace.Cli.Commands;

/// <summary>
/// <c>mtrace demo</c>: the README's main job on built-in defaults: make the dev key if missing, build and sign the
/// sample modules, start the sample host, load the default pack under enforce, record, print an excerpt and a summary.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var events = new Option<long>("--events") { Description = "Hook firings to simulate.", DefaultValueFactory = _ => 20_000 };
        var cpus = new Option<int>("--cpus") { Description = "Simulated CPUs.", DefaultValueFactory = _ => 2 };
        var seed = new Option<int>("--seed") { Description = "Workload seed.", DefaultValueFactory = _ => 1 };
        var lines = new Option<int>("--lines") { Description = "Trace lines to show.", DefaultValueFactory = _ => 25 };
        var noBuild = new Option<bool>("--no-build") { Description = "Use the sample modules as built; do not run 'dotnet build modules/Modules.proj'." };
        var command = new Command("demo", "The main job on built-in defaults: dev key, build and sign the sample modules, load the default pack, record, summarise.")
        {
            events, cpus, seed, lines, noBuild,
        };
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            var workload = new WorkloadOptions { Events = result.GetValue(events), Cpus = result.GetValue(cpus), Seed = result.GetValue(seed) };
            if (workload.Validate() is { } problem)
            {
                throw new CliException(problem, "see 'mtrace demo --help'", ExitCodes.Usage);
            }

            var root = RepoPaths.RequireCheckout("the demo builds and loads the sample modules of the checkout");
            var key = DevKey.EnsureExists(RepoPaths.KeysDirectory(root));
            output.WriteLine($"[1/5] development key: {Path.GetRelativePath(root, key.KeyPath)} ({(key.Generated ? "generated now" : "present")}), certificate {Path.GetRelativePath(root, key.CertificatePath)}");
            if (result.GetValue(noBuild))
            {
                output.WriteLine("[2/5] sample modules: using the modules as built (--no-build)");
            }
            else
            {
                output.WriteLine("[2/5] building and signing the sample modules");
                ModuleBuild.Run(root, output);
            }

            var keyrings = new Keyrings([CertificateFile.Load(key.CertificatePath)]);
            var settings = new RunSettings(
                null, Policy.Enforce, keyrings, Packs.ModuleFiles(root, Packs.Default), new LoadOptions(), ["all"], [], [], null, new TraceOptions(), workload);
            var hooks = HostProfiles.CreateHooks(null).Registry.Count;
            var functionHooks = hooks - new KernelHooks(new ModularTrace.Hooks.HookRegistry()).Registry.Count;
            output.WriteLine($"[3/5] sample host: {hooks - functionHooks} raw hooks and {functionHooks} function entry hooks, {workload.Cpus} simulated CPUs, policy enforce, vermagic '{VerMagic.Host}'");
            output.WriteLine("[4/5] loading the default pack (signature, vermagic and hook CRCs checked before any module code runs)");
            var (host, run, records) = RunCommand.Record(settings, output);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[5/5] recorded {records.Count:N0} events from {run.TotalFires:N0} hook firings; the first {Math.Min(result.GetValue(lines), records.Count)}:"));
            output.WriteLine();
            RunCommand.WriteText(output, host, records, result.GetValue(lines));
            output.WriteLine();
            TraceSummary.Write(output, host, run, records);
            output.WriteLine();
            var ctf = Path.Combine(root, "out", "demo-trace");
            ClearPreviousTrace(ctf);
            RunCommand.WriteCtf(output, host, records, ctf);
            output.WriteLine();
            output.WriteLine("Next: 'mtrace events' lists the events, 'mtrace run --text' prints a whole trace, 'mtrace run --help' shows filters and output options.");
            return ExitCodes.Ok;
        });
        return command;
    }

    // Only ever deletes what a previous demo wrote: a CTF directory (metadata + stream files) and nothing else.
    private static void ClearPreviousTrace(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        var files = Directory.GetFileSystemEntries(directory);
        if (files.All(f => Path.GetFileName(f) is "metadata" || Path.GetFileName(f).StartsWith("stream_", StringComparison.Ordinal)))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
