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

    public static int Run(RootCommand root, string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var output = stdout ?? Console.Out;
        var errors = stderr ?? Console.Error;
        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var error in result.Errors)
            {
                errors.WriteLine($"mtrace: {error.Message}");
            }

            var verb = result.CommandResult.Command == root ? "" : $" {result.CommandResult.Command.Name}";
            errors.WriteLine($"  hint: see 'mtrace{verb} --help'");
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

            if (ex.Hint is not null)
            {
                errors.WriteLine($"  hint: {Line(ex.Hint)}");
            }

            return ex.ExitCode;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.WriteLine($"mtrace: {Line(ex.Message)}");
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
