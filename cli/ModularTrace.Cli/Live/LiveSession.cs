using System.CommandLine;
using System.Runtime.InteropServices;
using ModularTrace.Control;

namespace ModularTrace.Cli.Live;

/// <summary>One client verb's connection to a host (<c>--attach PID|SOCKET</c>): failures become the CLI's one line and hint.</summary>
internal static class LiveSession
{
    public static Option<string> AttachOption(bool required) => new("--attach")
    {
        Description = "The host to control: its pid (see 'mtrace ps') or its control socket path.",
        Required = required,
    };

    /// <summary>Connects, runs <paramref name="work"/>, disconnects. Ctrl-C and SIGTERM cancel the token instead of killing the process.</summary>
    public static int Run(string attach, Func<ControlClient, CancellationToken, Task<int>> work)
    {
        using var stop = new CancellationTokenSource();
        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        try
        {
            return RunAsync(attach, work, stop.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return ExitCodes.Ok;
        }
        catch (ControlException ex)
        {
            throw new CliException(ex.Message, ex.Hint);
        }
    }

    /// <summary>A failed reply as the CLI's error: the host's line, its hint, and for a refused filter the command with a caret.</summary>
    public static ControlResponse Check(ControlResponse reply)
    {
        if (reply.Ok)
        {
            return reply;
        }

        var details = reply.CommandError is { } error
            ? $"  Command: {error.Command}\n{new string(' ', 11 + CharColumn(error.Command, error.Position))}^\n"
            : null;
        var messages = reply.Messages is { Count: > 0 } lines ? string.Concat(lines.Select(l => $"  {l}\n")) : null;
        throw new CliException(reply.Error ?? $"the host refused the request ({reply.Code})", reply.Hint, reply.Code == ControlErrors.Invalid && details is not null ? ExitCodes.Usage : ExitCodes.Error)
        {
            Details = details ?? messages,
        };
    }

    private static async Task<int> RunAsync(string attach, Func<ControlClient, CancellationToken, Task<int>> work, CancellationToken token)
    {
        var path = ControlClient.Resolve(attach);
        await using var client = await ControlClient.ConnectAsync(path, $"mtrace pid {Environment.ProcessId}", token).ConfigureAwait(false);
        return await work(client, token).ConfigureAwait(false);
    }

    private static int CharColumn(string command, int bytePosition)
    {
        // Past the end counts one column a byte: the kernel points one past an unknown field that ends the filter.
        var bytes = System.Text.Encoding.UTF8.GetBytes(command);
        var inside = Math.Clamp(bytePosition, 0, bytes.Length);
        return System.Text.Encoding.UTF8.GetCharCount(bytes, 0, inside) + Math.Max(0, bytePosition - inside);
    }
}
