using System.Text.Json;

namespace ModularTrace.Cli;

/// <summary>One JSON style for every <c>--json</c>: snake_case names, indented.</summary>
internal static class CliJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };
}
