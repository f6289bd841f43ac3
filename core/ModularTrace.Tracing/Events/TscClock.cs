using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModularTrace.Events;

/// <summary>
/// The CPU's time-stamp counter, read with <c>rdtsc</c>: the raw clock LTTng and perf record and convert later. Used by
/// <see cref="TraceClock.Tsc"/> where the counter is invariant and the kernel itself trusts it.
/// </summary>
/// <remarks>
/// .NET 10 has no managed <c>rdtsc</c> (<c>X86Base</c> has <c>CpuId</c> and <c>Pause</c> only), so the read is ten bytes
/// of x64 machine code (<c>rdtsc; shl rdx, 32; or rax, rdx; ret</c>), constants of this assembly, copied into a page
/// of their own that is mapped writable, then made read-and-execute before it is ever called: never writable and
/// executable at once. It is called through an unmanaged function pointer without a GC transition, as the runtime
/// calls its own clock. Where any condition fails (not x64 Linux; no <c>constant_tsc</c> and <c>nonstop_tsc</c> in
/// <c>/proc/cpuinfo</c>; a clocksource other than <c>tsc</c>, i.e. the kernel found the counter unreliable; the page
/// cannot be made executable, e.g. SELinux <c>execmem</c> denied; the counter does not advance) the clock is unavailable
/// and <see cref="UnavailableReason"/> says which; sessions asking for it use <see cref="TraceClock.Mono"/> instead.
/// </remarks>
public static unsafe partial class TscClock
{
    // rdtsc ; shl rdx, 32 ; or rax, rdx ; ret
    private static ReadOnlySpan<byte> Thunk => [0x0F, 0x31, 0x48, 0xC1, 0xE2, 0x20, 0x48, 0x09, 0xD0, 0xC3];

    private const string CpuInfoPath = "/proc/cpuinfo";
    private const string ClocksourcePath = "/sys/devices/system/clocksource/clocksource0/current_clocksource";

    // The flags of an invariant counter: constant rate across P-states, and ticking in deep C-states.
    private static readonly string[] s_invariantFlags = ["constant_tsc", "nonstop_tsc"];

    private static readonly delegate* unmanaged[SuppressGCTransition]<long> s_read;

    static TscClock()
    {
        delegate* unmanaged[SuppressGCTransition]<long> read = null;
        var reason = CheckPlatform(RuntimeInformation.ProcessArchitecture, OperatingSystem.IsLinux(), ReadOrNull(CpuInfoPath), ReadOrNull(ClocksourcePath))
            ?? MapThunk(out read)
            ?? CheckAdvances(read);
        s_read = reason is null ? read : null;
        UnavailableReason = reason;
    }

    /// <summary>Where the rdtsc code is (0 when unavailable), and its bytes: for the test that checks the page's protection.</summary>
    internal static nint CodeAddress => (nint)s_read;

    /// <inheritdoc cref="CodeAddress"/>
    internal static ReadOnlySpan<byte> Code => Thunk;

    /// <summary>Whether <see cref="Read"/> works in this process.</summary>
    public static bool IsAvailable => UnavailableReason is null;

    /// <summary>Why the counter is not used here (null when it is), e.g. <c>clocksource is kvm-clock, not tsc</c>.</summary>
    public static string? UnavailableReason { get; }

    /// <summary>The time-stamp counter now: cycles of the invariant TSC.</summary>
    /// <exception cref="PlatformNotSupportedException">The clock is unavailable (<see cref="UnavailableReason"/>).</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Read()
    {
        var read = s_read;
        if (read == null)
        {
            ThrowUnavailable();
        }

        return read();
    }

    /// <summary>
    /// One reading of the counter and of CLOCK_MONOTONIC (Stopwatch nanoseconds on Linux) taken together: the closest
    /// of a few tries, the monotonic time being the middle of the two readings around the counter's.
    /// </summary>
    public static (long Ticks, long Nanoseconds) ReadPair()
    {
        var best = long.MaxValue;
        (long, long) pair = default;
        for (var i = 0; i < 8; i++)
        {
            var before = Stopwatch.GetTimestamp();
            var ticks = Read();
            var after = Stopwatch.GetTimestamp();
            if (after - before < best)
            {
                best = after - before;
                pair = (ticks, ToNanoseconds(before + ((after - before) / 2)));
            }
        }

        return pair;
    }

    private static long ToNanoseconds(long stopwatchTicks) =>
        Stopwatch.Frequency == 1_000_000_000 ? stopwatchTicks : (long)((Int128)stopwatchTicks * 1_000_000_000 / Stopwatch.Frequency);

    /// <summary>
    /// The checks that need no code run: the architecture, the OS, the CPU's flags (<c>/proc/cpuinfo</c>) and the
    /// kernel's clocksource. Null when all pass, else the reason.
    /// </summary>
    internal static string? CheckPlatform(Architecture architecture, bool isLinux, string? cpuInfo, string? clocksource)
    {
        if (architecture != Architecture.X64)
        {
            return $"the time-stamp counter is read on x64 only; this process is {architecture.ToString().ToLowerInvariant()}";
        }

        if (!isLinux)
        {
            return "the time-stamp counter is checked on Linux only (/proc/cpuinfo and the kernel's clocksource)";
        }

        if (cpuInfo is null)
        {
            return $"cannot read {CpuInfoPath}";
        }

        var flags = FirstFlags(cpuInfo);
        var missing = s_invariantFlags.Where(flag => !flags.Contains(flag)).ToArray();
        if (missing.Length > 0)
        {
            return $"the CPU's time-stamp counter is not invariant ({CpuInfoPath} lacks {string.Join(" and ", missing)})";
        }

        var source = clocksource?.Trim();
        if (source != "tsc")
        {
            return source is null or ""
                ? $"cannot read the kernel's clocksource ({ClocksourcePath})"
                : $"the kernel does not use the time-stamp counter: clocksource is {source}, not tsc";
        }

        return null;
    }

    // The first processor's "flags" line ("flags\t\t: fpu vme ... constant_tsc ..."), as a set of words.
    private static HashSet<string> FirstFlags(string cpuInfo)
    {
        foreach (var line in cpuInfo.AsSpan().EnumerateLines())
        {
            var colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim().SequenceEqual("flags"))
            {
                return [.. line[(colon + 1)..].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)];
            }
        }

        return [];
    }

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? MapThunk(out delegate* unmanaged[SuppressGCTransition]<long> read)
    {
        read = null;
        try
        {
            return MapThunkCore(out read);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return $"cannot call libc to map the rdtsc code: {e.Message}";
        }
    }

    private static string? MapThunkCore(out delegate* unmanaged[SuppressGCTransition]<long> read)
    {
        read = null;
        const int ProtRead = 1, ProtWrite = 2, ProtExec = 4, MapPrivate = 2, MapAnonymous = 0x20;
        const nuint PageSize = 4096;
        var page = Mmap(0, PageSize, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (page == -1)
        {
            return $"cannot map a page for the rdtsc code: mmap: {Marshal.GetLastPInvokeErrorMessage()}";
        }

        Thunk.CopyTo(new Span<byte>((void*)page, Thunk.Length));
        if (Mprotect(page, PageSize, ProtRead | ProtExec) != 0)
        {
            var error = Marshal.GetLastPInvokeErrorMessage();
            _ = Munmap(page, PageSize);
            return $"cannot make the rdtsc code executable (mprotect: {error}; SELinux execmem or PaX MPROTECT?)";
        }

        read = (delegate* unmanaged[SuppressGCTransition]<long>)page;
        return null;
    }

    // A counter that does not move (a hypervisor trapping rdtsc badly) would give every record one timestamp.
    private static string? CheckAdvances(delegate* unmanaged[SuppressGCTransition]<long> read)
    {
        var first = read();
        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 10_000); // 100 us
        while (Stopwatch.GetTimestamp() < deadline)
        {
            Thread.SpinWait(10);
        }

        return read() > first ? null : "the time-stamp counter does not advance";
    }

    [DoesNotReturn]
    private static void ThrowUnavailable() =>
        throw new PlatformNotSupportedException($"The TSC trace clock is unavailable: {UnavailableReason}.");

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static partial int Mprotect(nint address, nuint length, int protection);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(nint address, nuint length);
}
