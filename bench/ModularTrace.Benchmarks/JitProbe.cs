using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;
using ModularTrace.Modules;
using ModularTrace.Signing;

namespace ModularTrace.Benchmarks;

internal static class JitProbe
{
    public static int Run()
    {
        foreach (var name in new[] { "Sched", "Vfs", "Block", "Irq", "Mm", "Net" })
        {
            var path = BenchHost.SampleModule(name);
            var payload = ModuleSigner.StripSignature(File.ReadAllBytes(path)).ToArray();
            var context = new AssemblyLoadContext("probe", isCollectible: Environment.GetEnvironmentVariable("PROBE_COLLECTIBLE") != "0");
            var assembly = context.LoadFromStream(new MemoryStream(payload));
            var manifest = ModuleManifestReader.TryRead(payload, out _)!;
            var type = assembly.GetType(manifest.EntryType!)!;
            var entry = Activator.CreateInstance(type);
            var (hooks, session, _) = BenchHost.NewLoader();
            var ctx = new ModuleContext(manifest.Name, hooks.Registry, session, manifest.Hooks.Keys, new object());
            foreach (var method in type.GetMethods(BindingFlags.NonPublic | BindingFlags.Static).Where(m => m.Name.StartsWith("Define", StringComparison.Ordinal)))
            {
                var j = System.Runtime.JitInfo.GetCompilationTime(true);
                var c = System.Runtime.JitInfo.GetCompiledMethodCount(true);
                var t = Stopwatch.GetTimestamp();
                method.Invoke(null, [ctx]);
                Console.WriteLine($"{name}.{method.Name}: {Stopwatch.GetElapsedTime(t).TotalMilliseconds:F2} ms, JIT {(System.Runtime.JitInfo.GetCompilationTime(true) - j).TotalMilliseconds:F2} ms for {System.Runtime.JitInfo.GetCompiledMethodCount(true) - c} methods");
            }
        }
        return 0;
    }
}
