using System.Text;
using System.Text.RegularExpressions;

namespace ModularTrace.Ctf.Interop.Tests;

/// <summary>
/// One event line of babeltrace2's default (pretty) text output:
/// <c>[ts] (+delta) host name: { cpu_id = 3 }, { common_pid = 7, ... }, { field = value, ... }</c>.
/// The brace groups are the packet context shown, the event context, then the payload.
/// </summary>
public sealed partial record PrettyLine(string Timestamp, string? Host, string Name, IReadOnlyList<IReadOnlyDictionary<string, string>> Groups)
{
    /// <summary>Every value of every group by field name (later groups win; our names do not collide).</summary>
    public IReadOnlyDictionary<string, string> Fields => Groups.SelectMany(group => group).ToDictionary(pair => pair.Key, pair => pair.Value);

    /// <summary>Parses one line; null when it is not an event line.</summary>
    public static PrettyLine? TryParse(string line)
    {
        var match = Head().Match(line);
        if (!match.Success)
        {
            return null;
        }

        var rest = line.AsSpan(match.Length);
        var groups = new List<IReadOnlyDictionary<string, string>>();
        var i = 0;
        while (i < rest.Length)
        {
            Expect(rest, ref i, "{ ");
            var group = new Dictionary<string, string>(StringComparer.Ordinal);
            while (true)
            {
                var eq = rest[i..].IndexOf(" = ", StringComparison.Ordinal);
                var key = rest.Slice(i, eq).ToString();
                i += eq + 3;
                group[key] = rest[i] == '"' ? ReadQuoted(rest, ref i) : ReadBare(rest, ref i);
                if (rest[i..].StartsWith(", ", StringComparison.Ordinal))
                {
                    i += 2;
                    continue;
                }

                Expect(rest, ref i, " }");
                break;
            }

            groups.Add(group);
            if (i < rest.Length)
            {
                Expect(rest, ref i, ", ");
            }
        }

        return new PrettyLine(match.Groups["ts"].Value, match.Groups["host"].Success ? match.Groups["host"].Value : null, match.Groups["name"].Value, groups);
    }

    private static void Expect(ReadOnlySpan<char> text, ref int i, string literal)
    {
        if (!text[i..].StartsWith(literal, StringComparison.Ordinal))
        {
            throw new FormatException($"expected '{literal}' at {i} in: {text}");
        }

        i += literal.Length;
    }

    private static string ReadBare(ReadOnlySpan<char> text, ref int i)
    {
        var start = i;
        while (i < text.Length && text[i] != ',' && !text[i..].StartsWith(" }", StringComparison.Ordinal))
        {
            i++;
        }

        return text[start..i].ToString();
    }

    // A quoted string with babeltrace2's C-style escapes, returned unescaped and without the quotes.
    private static string ReadQuoted(ReadOnlySpan<char> text, ref int i)
    {
        var value = new StringBuilder();
        i++;
        while (text[i] != '"')
        {
            if (text[i] == '\\')
            {
                i++;
                value.Append(text[i] switch
                {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    'a' => '\a',
                    'b' => '\b',
                    'f' => '\f',
                    'v' => '\v',
                    var c => c,
                });
            }
            else
            {
                value.Append(text[i]);
            }

            i++;
        }

        i++;
        return value.ToString();
    }

    [GeneratedRegex(@"^\[(?<ts>[^\]]+)\] \(\+[^)]*\) (?:(?<host>\S+) )?(?<name>[\w]+:[\w]+): ")]
    private static partial Regex Head();
}
