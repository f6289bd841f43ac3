using System.Numerics;
using System.Runtime.CompilerServices;

namespace ModularTrace.Hooks;

/// <summary>
/// The read side and the grace period of probe arrays: a process-wide SRCU with per-thread counters and an asymmetric
/// fence (userspace RCU's "membarrier" flavour), the .NET stand-in for the kernel's <c>synchronize_rcu</c> under
/// tracepoints.
/// </summary>
/// <remarks>
/// A firing increments its thread's counter for the current epoch parity with a plain store, reads the probe array,
/// runs the probes and decrements the counter: no locked instruction and no shared cache line written. The price is
/// paid by <see cref="Synchronize"/>: after the probe array was replaced it issues a process-wide memory barrier
/// (<see cref="Interlocked.MemoryBarrierProcessWide"/>, <c>membarrier(2)</c>), which makes every thread's counter
/// increment that came before a read of the old array visible, flips the parity so new firings count elsewhere, and
/// waits until every thread's counter of the old parity is zero. A reader that read the old array therefore holds the
/// writer until it has finished with it; a reader that had not yet read the array sees the new one. Like
/// <c>synchronize_rcu</c>, the wait covers every hook: a probe that runs for a long time delays every grace period.
/// </remarks>
internal static class GracePeriod
{
    private static readonly Lock s_gate = new();
    private static int s_epoch;
    private static ThreadTraceState[] s_readers = [];

    /// <summary>Enters a firing on the calling thread; pass the returned parity to <see cref="Exit"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Enter(ThreadTraceState reader)
    {
        var parity = Volatile.Read(ref s_epoch) & 1;
        ref var count = ref parity == 0 ? ref reader.Readers0 : ref reader.Readers1;
        Volatile.Write(ref count, count + 1);
        // The memory model lets a volatile read move above a volatile write. Reading the counter back (the same
        // location, so it stays after the write) with acquire keeps the caller's read of the probe array after the
        // increment in the compiled code; the processor's own store-load reordering is what Synchronize's
        // process-wide barrier covers.
        _ = Volatile.Read(ref count);
        return parity;
    }

    /// <summary>Leaves a firing entered with <paramref name="parity"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Exit(ThreadTraceState reader, int parity)
    {
        ref var count = ref parity == 0 ? ref reader.Readers0 : ref reader.Readers1;
        Volatile.Write(ref count, count - 1);
    }

    /// <summary>Makes a new thread's counters visible to <see cref="Synchronize"/> (lock-free: it runs on a hot path).</summary>
    /// <remarks>
    /// Whenever the list reaches a power of two (from 64 on), the states of exited threads are dropped on the way, so a
    /// program that starts many short-lived threads keeps the list at about twice its live threads, with amortised
    /// constant work per registration, even if nothing is ever unloaded.
    /// </remarks>
    public static void Register(ThreadTraceState reader) =>
        Update(current => current.Length >= 64 && BitOperations.IsPow2(current.Length)
            ? [.. current.Where(state => state.IsAlive), reader]
            : [.. current, reader]);

    /// <summary>Whether a grace period looks at this thread state's counters (states of exited threads are pruned by <see cref="Synchronize"/> and <see cref="Register"/>).</summary>
    public static bool IsRegistered(ThreadTraceState reader) => Array.IndexOf(Volatile.Read(ref s_readers), reader) >= 0;

    /// <summary>
    /// Returns once every firing that may have read a probe array replaced before this call has finished. Must not be
    /// called from inside a probe (it would wait for itself).
    /// </summary>
    public static void Synchronize()
    {
        lock (s_gate)
        {
            // Every thread's earlier counter increments become visible, and its later reads see the new probe arrays.
            Interlocked.MemoryBarrierProcessWide();
            var old = s_epoch & 1;
            Volatile.Write(ref s_epoch, s_epoch + 1);
            var spin = new SpinWait();
            foreach (var reader in Volatile.Read(ref s_readers))
            {
                while (Volatile.Read(ref old == 0 ? ref reader.Readers0 : ref reader.Readers1) != 0)
                {
                    spin.SpinOnce();
                }
            }

            Prune();
        }
    }

    // Forgets the states of threads that have exited; their counters are zero (a thread cannot end inside a firing).
    private static void Prune() =>
        Update(current => current.Any(reader => !reader.IsAlive) ? [.. current.Where(reader => reader.IsAlive)] : null);

    // Replaces the list copy-on-write (firing threads register without a lock); null from change means "leave it".
    private static void Update(Func<ThreadTraceState[], ThreadTraceState[]?> change)
    {
        var current = Volatile.Read(ref s_readers);
        while (change(current) is { } next)
        {
            var seen = Interlocked.CompareExchange(ref s_readers, next, current);
            if (ReferenceEquals(seen, current))
            {
                return;
            }

            current = seen;
        }
    }
}
