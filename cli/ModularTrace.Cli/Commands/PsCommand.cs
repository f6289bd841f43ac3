using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ModularTrace.Control;

namespace ModularTrace.Cli.Commands;

/// <summary><c>mtrace ps</c>: the processes with a control socket in the socket directories. Reads only; removes nothing.</summary>
internal static class PsCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the processes as JSON." };
        var command = new Command("ps", "List attachable processes: pid, command line, control socket (stale sockets of dead processes are marked, not removed).") { json };
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            var rows = ControlSocket.List().Select(s => new PsJson(s.Pid, ControlSocket.IsAlive(s.Pid), CommandLine(s.Pid), s.Path)).ToList();
            if (result.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(rows, CliJson.Options));
                return ExitCodes.Ok;
            }

            output.WriteLine($"{"PID",8}  {"SOCKET",-48}  COMMAND");
            foreach (var row in rows)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{row.Pid,8}  {row.Socket,-48}  {(row.Alive ? row.Command : "(not running: stale socket)")}"));
            }

            if (rows.Count == 0)
            {
                output.WriteLine($"  no control sockets in {string.Join(" or ", ControlSocket.Directories())}; start a host with 'mtrace host'");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    // /proc/<pid>/cmdline: arguments separated by NULs.
    private static string CommandLine(int pid)
    {
        try
        {
            var bytes = File.ReadAllBytes(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/cmdline"));
            return Encoding.UTF8.GetString(bytes).TrimEnd('\0').Replace('\0', ' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }

    private sealed record PsJson(int Pid, bool Alive, string Command, string Socket);
}
