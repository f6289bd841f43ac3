using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using ModularTrace.Cli.Live;
using ModularTrace.Control;
using ModularTrace.Signing;

namespace ModularTrace.Cli.Commands;

/// <summary>
/// <c>mtrace keys list|enroll|confirm --attach</c>: a running host's keyrings. An enrolment asked for here waits in the
/// host until its owner confirms it with the code the host printed on its own console.
/// </summary>
internal static class LiveKeys
{
    public static int List(ParseResult result, string attach, bool json) => LiveSession.Run(attach, async (client, token) =>
    {
        var reply = LiveSession.Check(await client.RequestAsync(new ControlRequest { Op = ControlOps.KeysList }, token).ConfigureAwait(false));
        var output = result.InvocationConfiguration.Output;
        var keys = reply.Keys ?? [];
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new { host = client.Hello.Pid, locked = reply.Locked, keys }, CliJson.Options));
            return ExitCodes.Ok;
        }

        output.WriteLine($"keyrings of host pid {client.Hello.Pid}{(reply.Locked == true ? " (locked down)" : "")}");
        foreach (var key in keys)
        {
            output.WriteLine($"  {key.Keyring,-10} {key.Sha256}  {key.Signer}");
        }

        if (keys.Count == 0)
        {
            output.WriteLine("  no trusted certificates");
        }

        return ExitCodes.Ok;
    });

    public static int Enroll(ParseResult result, string attach, string path, X509Certificate2 certificate, bool confirmed)
    {
        if (!confirmed)
        {
            var noTerminal = Console.IsInputRedirected ? ": no terminal to ask on" : "";
            throw new CliException(
                $"enrolment of '{CertificateFile.CommonName(certificate)}' was not confirmed{noTerminal}",
                "confirm with 'y', or pass --yes when there is no terminal");
        }

        return LiveSession.Run(attach, async (client, token) =>
        {
            var reply = LiveSession.Check(await client.RequestAsync(new ControlRequest
            {
                Op = ControlOps.KeysEnroll,
                Path = Path.GetFullPath(path),
                Confirmed = true,
                Sha256 = CertificateFile.Sha256Hex(certificate),
            }, token).ConfigureAwait(false));
            foreach (var message in reply.Messages ?? [])
            {
                result.InvocationConfiguration.Output.WriteLine(message);
            }

            return ExitCodes.Ok;
        });
    }

    public static int Confirm(ParseResult result, string attach, string code) => LiveSession.Run(attach, async (client, token) =>
    {
        var reply = LiveSession.Check(await client.RequestAsync(new ControlRequest { Op = ControlOps.KeysConfirm, Code = code }, token).ConfigureAwait(false));
        foreach (var message in reply.Messages ?? [])
        {
            result.InvocationConfiguration.Output.WriteLine(message);
        }

        return ExitCodes.Ok;
    });
}
