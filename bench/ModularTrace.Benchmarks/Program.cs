using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using ModularTrace.Benchmarks;

// Console checks first; anything else goes to BenchmarkDotNet (--filter, --job, ...).
if (args.Length > 0)
{
    switch (args[0])
    {
        case "--check-cycles":
            return CycleCheck.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1000);
        case "--throughput":
            return ThroughputCheck.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2_000_000);
        case "--memory":
            return MemoryCost.Run();
        case "--jit-probe":
            return JitProbe.Run();
        case "--load-stages":
            return LoadStages.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30);
    }
}

// BenchmarkDotNet rebuilds Core and its references for each job: allow for a busy shared machine (default 2 min).
// Every benchmark process runs as mtrace does, without dynamic PGO (the csproj's TieredPGO does not reach
// BenchmarkDotNet's generated project): EventSource, DiagnosticSource and the floor run under the same setting.
var config = BenchmarkDotNet.Configs.ManualConfig.Create(BenchmarkDotNet.Configs.DefaultConfig.Instance)
    .WithBuildTimeout(TimeSpan.FromMinutes(15))
    .AddJob(Job.Default.WithEnvironmentVariables(new EnvironmentVariable("DOTNET_TieredPGO", "0")).AsMutator());
BenchmarkSwitcher.FromAssembly(typeof(HotPathBenchmarks).Assembly).Run(args, config);
return 0;
