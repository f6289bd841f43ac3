namespace ModularTrace.SampleHost;

/// <summary>How long and how wide the simulated kernel runs.</summary>
public sealed record WorkloadOptions
{
    /// <summary>Simulated CPUs, one thread each. Default 2.</summary>
    public int Cpus { get; init; } = 2;

    /// <summary>The seed: the same seed, CPU count and event count give the same hook firings on every CPU.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Total hook firings across CPUs (split evenly); null to run for <see cref="Duration"/> instead.</summary>
    public long? Events { get; init; } = 10_000;

    /// <summary>How long to run when <see cref="Events"/> is null.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Run until the cancellation token fires (a long-running host); <see cref="Events"/> and <see cref="Duration"/> must be null.</summary>
    public bool UntilCancelled { get; init; }

    /// <summary>Hook firings per second per CPU, or null for as fast as the CPU goes (a host that idles between bursts).</summary>
    public int? Rate { get; init; }

    /// <summary>Checks the options; returns a one-line reason when they are not usable.</summary>
    public string? Validate() => this switch
    {
        { Cpus: < 1 or > 64 } => $"cpus must be between 1 and 64 (got {Cpus})",
        { UntilCancelled: true, Events: not null } or { UntilCancelled: true, Duration: not null }
            => "running until cancelled excludes an event count and a duration",
        { Rate: < 1 } => $"rate must be at least 1 firing per second (got {Rate})",
        { UntilCancelled: true } => null,
        { Events: null, Duration: null } => "give either an event count or a duration",
        { Events: < 0 } => $"events must not be negative (got {Events})",
        { Events: null, Duration: { } d } when d <= TimeSpan.Zero => $"duration must be positive (got {d})",
        _ => null,
    };
}
