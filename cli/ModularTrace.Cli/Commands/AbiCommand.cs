using System.CommandLine;
using System.Text.Json;
using ModularTrace.Abi;
using ModularTrace.Cli.Tracing;

namespace ModularTrace.Cli.Commands;

/// <summary><c>mtrace abi diff OLD NEW</c>: what changed for tools between two hosts, packs, modules or snapshots.</summary>
internal static class AbiCommand
{
    public static Command Create()
    {
        var oldSide = new Argument<string>("old") { Description = "profile:NAME, pack:NAME, a module file, or a snapshot saved with 'mtrace events --json'." };
        var newSide = new Argument<string>("new") { Description = "The same kinds as <old>." };
        var json = new Option<bool>("--json") { Description = "Print the changes as JSON." };
        var diff = new Command("diff", "Compare hooks and event formats. Exit status as libabigail's abidiff: 0 identical, bit 4 change, bit 8 incompatible change, 1 error, 2 usage.")
        {
            oldSide, newSide, json,
        };
        diff.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            var before = AbiSources.Resolve(result.GetValue(oldSide)!);
            var after = AbiSources.Resolve(result.GetValue(newSide)!);
            var changes = AbiDiff.Compare(before, after);
            var bits = AbiDiff.ExitBits(changes);
            if (result.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new { old = Describe(before), @new = Describe(after), changes, exit = bits }, CliJson.Options));
                return bits;
            }

            output.WriteLine($"--- {Describe(before)}");
            output.WriteLine($"+++ {Describe(after)}");
            foreach (var change in changes)
            {
                var marks = (change.Severity == AbiSeverity.Incompatible ? " [incompatible]" : "") + (change.BreaksOffsetReaders ? " [breaks offset readers]" : "");
                output.WriteLine($"{change.Subject}: {change.Text}{marks}");
            }

            var incompatible = changes.Count(c => c.Severity == AbiSeverity.Incompatible);
            output.WriteLine(changes.Count == 0
                ? "identical"
                : $"{changes.Count} changes, {incompatible} incompatible, {changes.Count(c => c.BreaksOffsetReaders)} break tools that hard-code offsets (exit {bits})");
            return bits;
        });
        return new Command("abi", "Compare what hosts and packs offer to tools (the tracepoint-ABI question, measured).") { diff };
    }

    private static string Describe(AbiSnapshot snapshot)
    {
        var modules = snapshot.Modules.Count == 0 ? "" : $", modules {string.Join(" ", snapshot.Modules.Select(m => $"{m.Name}@{m.Version}"))}";
        return $"{snapshot.Source} (profile {snapshot.Profile}, vermagic '{snapshot.Vermagic}', captured by {snapshot.BuiltBy}{modules})";
    }
}
