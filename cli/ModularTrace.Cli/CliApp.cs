using System.CommandLine;

namespace ModularTrace.Cli;

/// <summary>Parses, dispatches and turns failures into the CLI contract: one stderr line, a hint, an exit status.</summary>
internal static class CliApp
{
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Show stack traces for internal errors.",
        Recursive = true,
    };

    private static string Usage(ParseResult result, RootCommand root) =>
        result.CommandResult.Command == root ? "mtrace" : $"mtrace {result.CommandResult.Command.Name}";

    public static int Run(RootCommand root, string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var output = stdout ?? Console.Out;
        var errors = stderr ?? Console.Error;
        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var line in UsageErrors.Lines(result))
            {
                errors.WriteLine($"mtrace: {line}");
            }

            errors.WriteLine($"  hint: {UsageErrors.Hint(result, root)}");
            return ExitCodes.Usage;
        }

        try
        {
            return result.Invoke(new InvocationConfiguration { Output = output, Error = errors, EnableDefaultExceptionHandler = false });
        }
        catch (CliException ex)
        {
            // Paths, names and a host's replies reach these lines: never a control character from them.
            errors.WriteLine($"mtrace: {Line(ex.Message)}");
            if (ex.Details is not null)
            {
                foreach (var detail in ex.Details.TrimEnd('\n').Split('\n'))
                {
                    errors.WriteLine(Line(detail));
                }
            }

            // Every error has a hint line (STYLE.md §5); a verb that names none points at its usage.
            errors.WriteLine($"  hint: {Line(ex.Hint ?? $"see '{Usage(result, root)} --help'")}");
            return ex.ExitCode;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.WriteLine($"mtrace: {Line(ex.Message)}");
            errors.WriteLine("  hint: check the path named above (it must exist and be readable or writable by you)");
            return ExitCodes.Error;
        }
        catch (Exception ex)
        {
            errors.WriteLine($"mtrace: internal error: {ex.GetType().Name}: {ex.Message}");
            errors.WriteLine(result.GetValue(Verbose) ? ex.ToString() : "  hint: run again with --verbose for the stack trace, and report it");
            return ExitCodes.Error;
        }
    }

    private static string Line(string text) => ModularTrace.Text.DisplayText.Printable(text, max: 4096);
}
