using System.Globalization;
using ModularTrace.Soak;

// mtrace-soak [--duration 60s|10m|1h] [--cpus N] [--overwrite]
// Hooks fire on every CPU while modules load and unload in a loop and a reader drains the buffers; exits 1 on any
// broken invariant (see SoakRun), 2 on bad usage.
var duration = TimeSpan.FromSeconds(60);
var cpus = Math.Max(2, Environment.ProcessorCount);
var overwrite = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--duration" when i + 1 < args.Length && ParseDuration(args[i + 1]) is { } d:
            duration = d;
            i++;
            break;
        case "--cpus" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 64:
            cpus = n;
            i++;
            break;
        case "--overwrite":
            overwrite = true;
            break;
        default:
            Console.Error.WriteLine($"mtrace-soak: bad argument '{args[i]}'\nusage: mtrace-soak [--duration 60s|10m|1h] [--cpus N] [--overwrite]");
            return 2;
    }
}

return new SoakRun(duration, cpus, overwrite).Run(Console.Out) ? 0 : 1;

static TimeSpan? ParseDuration(string text)
{
    var unit = text[^1];
    if (!double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0)
    {
        return null;
    }

    return unit switch
    {
        's' => TimeSpan.FromSeconds(value),
        'm' => TimeSpan.FromMinutes(value),
        'h' => TimeSpan.FromHours(value),
        _ => null,
    };
}
