using Spectre.Console;

namespace ModularTrace.Cli;

/// <summary>Spectre.Console bound to a verb's output writer, so tables go where the rest of the output goes.</summary>
internal static class CliConsole
{
    public static IAnsiConsole Create(TextWriter output) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(output),
        Ansi = output == Console.Out && !Console.IsOutputRedirected ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = ColorSystemSupport.Detect,
        Interactive = InteractionSupport.No,
    });
}
