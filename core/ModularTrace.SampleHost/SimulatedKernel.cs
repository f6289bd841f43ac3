using System.Collections.Immutable;
using System.Diagnostics;

namespace ModularTrace.SampleHost;

/// <summary>
/// A deterministic, multi-threaded stand-in for a kernel: one thread per simulated CPU schedules tasks, serves
/// syscalls, block I/O, interrupts, page allocations and packets, firing <see cref="KernelHooks"/> as it goes.
/// </summary>
/// <remarks>
/// Each CPU draws from its own seeded generator and stops after its own share of firings, so with the same seed,
/// CPU count and event count every CPU fires the same hooks with the same values in the same order, whatever the
/// threads' interleaving.
/// </remarks>
public sealed class SimulatedKernel
{
    /// <summary>Creates a kernel around declared hooks.</summary>
    public SimulatedKernel(KernelHooks hooks)
    {
        ArgumentNullException.ThrowIfNull(hooks);
        Hooks = hooks;
    }

    /// <summary>The hooks this kernel fires.</summary>
    public KernelHooks Hooks { get; }

    /// <summary>Runs the workload to completion (or cancellation; with <see cref="WorkloadOptions.UntilCancelled"/>, only that) and reports what fired.</summary>
    /// <exception cref="ArgumentException">The options are not usable (see <see cref="WorkloadOptions.Validate"/>).</exception>
    public WorkloadResult Run(WorkloadOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        var cpus = Enumerable.Range(0, options.Cpus).Select(cpu => new SimulatedCpu(Hooks, cpu, options)).ToArray();
        var deadline = options.Events is null && options.Duration is not null ? Stopwatch.GetTimestamp() + (long)(options.Duration!.Value.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        var started = Stopwatch.GetTimestamp();
        var threads = cpus.Select(cpu => new Thread(() => cpu.Run(deadline, cancellationToken))
        {
            Name = $"cpu{cpu.Id}",
            IsBackground = true,
        }).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var byHook = ImmutableSortedDictionary.CreateBuilder<string, long>(StringComparer.Ordinal);
        foreach (var cpu in cpus)
        {
            foreach (var (hook, count) in cpu.FiresByHook)
            {
                byHook[hook] = byHook.GetValueOrDefault(hook) + count;
            }
        }

        return new WorkloadResult(options, elapsed, byHook.ToImmutable(), [.. cpus.Select(cpu => cpu.Fired)]);
    }
}
