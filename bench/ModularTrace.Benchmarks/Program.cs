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
    }
}

BenchmarkSwitcher.FromAssembly(typeof(HotPathBenchmarks).Assembly).Run(args);
return 0;
