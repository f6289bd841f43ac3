using System.Text.Json;

namespace ModularTrace.Hosting;

/// <summary>A built pack's index (<c>pack.index</c>, signed, written by <c>mtrace pack build</c>): the modules and their hashes.</summary>
internal sealed record PackIndex(string Name, string Profile, string Vermagic, string BuiltBy, PackIndexEntry[] Modules)
{
    public const string FileName = "pack.index";

    private static readonly JsonSerializerOptions s_options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static PackIndex Parse(ReadOnlySpan<byte> json, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<PackIndex>(json, s_options) is { Modules: not null, Vermagic: not null } index
                ? index
                : throw new ModularTraceStartException($"modulartrace: refusing to start: {path} lists no modules or no vermagic", "rebuild the pack with 'mtrace pack build'");
        }
        catch (JsonException ex)
        {
            throw new ModularTraceStartException($"modulartrace: refusing to start: {path}: {ex.Message}", "rebuild the pack with 'mtrace pack build'");
        }
    }
}

/// <summary>One module of a pack.</summary>
internal sealed record PackIndexEntry(string Name, string Version, string File, string Sha256);
