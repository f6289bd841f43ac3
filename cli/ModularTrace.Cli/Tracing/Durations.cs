using System.Globalization;

namespace ModularTrace.Cli.Tracing;

/// <summary>Parses durations as users write them: <c>500ms</c>, <c>2s</c>, <c>1.5m</c>, <c>1h</c>, or plain seconds.</summary>
internal static class Durations
{
    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (number, scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ when text.EndsWith('h') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0 || double.IsInfinity(value))
        {
            throw new CliException($"bad duration '{text}'", "write it like 500ms, 2s, 1.5m or 1h", ExitCodes.Usage);
        }

        return TimeSpan.FromSeconds(value * scale);
    }
}
