using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace ModularTrace.Cli;

/// <summary>
/// System.CommandLine's parse errors as the CLI contract wants them: each reason once, in words rather than .NET type
/// names, the command the user meant when a verb is misspelt.
/// </summary>
internal static partial class UsageErrors
{
    // Reported beside "Unrecognized command or argument 'rnu'" although the unknown word is the reason.
    private const string NoCommand = "Required command was not provided.";

    /// <summary>The distinct first lines, most telling first.</summary>
    public static IReadOnlyList<string> Lines(ParseResult result)
    {
        var lines = result.Errors.Select(e => Describe(e.Message, result)).Distinct(StringComparer.Ordinal).ToList();
        if (lines.Count > 1)
        {
            lines.Remove(NoCommand);
        }

        return lines;
    }

    /// <summary>The hint line: the verb or option a misspelt word most likely meant, and where the usage is.</summary>
    public static string Hint(ParseResult result, Command root)
    {
        var command = result.CommandResult.Command;
        var verb = command == root ? "" : $" {command.Name}";
        foreach (var token in result.UnmatchedTokens)
        {
            var candidates = token.StartsWith('-')
                ? command.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name))
                : command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);
            if (Closest(token, candidates) is { } match)
            {
                return token.StartsWith('-')
                    ? $"did you mean '{match}'? (see 'mtrace{verb} --help')"
                    : $"did you mean 'mtrace{verb} {match}'? (see 'mtrace{verb} --help')";
            }
        }

        return $"see 'mtrace{verb} --help'";
    }

    /// <summary>"Cannot parse argument 'abc' for option '--events' as expected type 'System.Nullable`1[System.Int64]'." in words.</summary>
    public static string Describe(string message, ParseResult? result = null)
    {
        var parse = CannotParse().Match(message);
        if (parse.Success)
        {
            return $"{parse.Groups["owner"].Value}: '{parse.Groups["value"].Value}' is not {Kind(parse.Groups["type"].Value)}";
        }

        // One error per missing argument, all worded alike: one line naming them all instead.
        var required = RequiredArgument().Match(message);
        if (!required.Success)
        {
            return message;
        }

        var command = result?.CommandResult.Command;
        var missing = command is null ? [] : command.Arguments
            .Where(a => a.Arity.MinimumNumberOfValues > 0 && result!.GetResult(a) is not ArgumentResult { Tokens.Count: > 0 })
            .Select(a => $"<{a.Name}>")
            .ToArray();
        return missing.Length == 0
            ? $"{required.Groups["command"].Value}: an argument is missing"
            : $"{required.Groups["command"].Value}: missing {(missing.Length == 1 ? "argument" : "arguments")} {string.Join(' ', missing)}";
    }

    /// <summary>The closest name within two edits (a swap counts one), or null.</summary>
    internal static string? Closest(string word, IEnumerable<string> names)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            var distance = Distance(word.ToLowerInvariant(), name);
            if (distance < bestDistance && distance <= Math.Max(1, Math.Min(2, name.Length / 3)))
            {
                (best, bestDistance) = (name, distance);
            }
        }

        return best;
    }

    // Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps cost one each.
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }

    private static string Kind(string type)
    {
        var inner = NullableOf().Match(type) is { Success: true } nullable ? nullable.Groups[1].Value : type;
        return inner switch
        {
            "System.Int64" or "System.Int32" or "System.Int16" or "System.UInt64" or "System.UInt32" or "System.UInt16" or "System.Byte" => "a whole number",
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.Boolean" => "true or false",
            _ => "a value of the expected form",
        };
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (?:option|command|argument) '(?<owner>[^']*)' as expected type '(?<type>[^']*)'\.?$", RegexOptions.Singleline)]
    private static partial Regex CannotParse();

    [GeneratedRegex(@"^Required argument missing for command: '(?<command>[^']*)'\.?$")]
    private static partial Regex RequiredArgument();

    [GeneratedRegex(@"^System\.Nullable`1\[(.*)\]$")]
    private static partial Regex NullableOf();
}
