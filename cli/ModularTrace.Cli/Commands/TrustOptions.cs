using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using ModularTrace.Signing;

namespace ModularTrace.Cli.Commands;

/// <summary>The <c>--cert FILE</c>... and <c>--keyring DIR</c> options verify and modinfo share, and how they become keyrings.</summary>
internal sealed class TrustOptions
{
    public Option<string[]> Certificates { get; } = new("--cert")
    {
        Description = "Trust this certificate (DER or PEM) as builtin; repeatable. Default: the repository's keys/signing_key.x509.",
    };

    public Option<string?> Keyring { get; } = new("--keyring")
    {
        Description = "Keyring directory: builtin/, secondary/, machine/ (*.x509) and blacklist.",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Certificates);
        command.Options.Add(Keyring);
    }

    /// <summary>The keyrings the options name; with neither option, the development certificate (required or optional).</summary>
    public Keyrings Resolve(ParseResult result, bool requireSomething)
    {
        var certificates = (result.GetValue(Certificates) ?? []).Select(LoadCertificate).ToList();
        if (result.GetValue(Keyring) is { } directory)
        {
            if (!Directory.Exists(directory))
            {
                throw new CliException($"keyring directory {directory} does not exist", "create it with 'mtrace keys enroll' or copy certificates into DIR/builtin/");
            }

            try
            {
                var keyrings = Keyrings.Load(directory, certificates);
                foreach (var (path, reason) in keyrings.Skipped)
                {
                    result.InvocationConfiguration.Error.WriteLine($"mtrace: warning: {path}: {reason}; not trusted");
                }

                return keyrings;
            }
            catch (InvalidDataException ex)
            {
                throw new CliException(ex.Message, "fix or remove the file named; keyring contents are never guessed");
            }
        }

        if (certificates.Count > 0)
        {
            return new Keyrings(certificates);
        }

        var root = RepoPaths.FindRoot();
        var devCertificate = root is null ? null : Path.Combine(RepoPaths.KeysDirectory(root), DevKey.CertificateFileName);
        if (devCertificate is not null && File.Exists(devCertificate))
        {
            return new Keyrings([LoadCertificate(devCertificate)]);
        }

        if (!requireSomething)
        {
            return new Keyrings();
        }

        throw new CliException(
            root is null
                ? $"no trusted certificate: not inside a ModularTrace checkout, so there is no keys/{DevKey.CertificateFileName} to default to"
                : $"no trusted certificate: {devCertificate} does not exist",
            "pass --cert FILE or --keyring DIR, or create the development key with 'mtrace keys generate'");
    }

    private static X509Certificate2 LoadCertificate(string path)
    {
        try
        {
            return CertificateFile.Load(path);
        }
        catch (InvalidDataException ex)
        {
            throw new CliException(ex.Message);
        }
    }
}
