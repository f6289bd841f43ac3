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
// The runtime's defaults apply (dynamic PGO on, as in most hosts); '--envVars DOTNET_TieredPGO:0' measures the suite
// as mtrace runs (docs/performance.md, "Dynamic PGO and module loading").
var config = BenchmarkDotNet.Configs.ManualConfig.Create(BenchmarkDotNet.Configs.DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(15));
BenchmarkSwitcher.FromAssembly(typeof(HotPathBenchmarks).Assembly).Run(args, config);
return 0;
