using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using ModularTrace.Signing;

namespace ModularTrace.Cli.Commands;

/// <summary><c>mtrace keys</c>: the development key and the keyrings (trust rules in REFERENCE.md §6).</summary>
internal static class KeysCommand
{
    public static Command Create()
    {
        var command = new Command("keys", "Generate the signing key and manage keyrings: builtin, secondary, machine, blacklist.");
        command.Subcommands.Add(Generate());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Add());
        command.Subcommands.Add(Enroll());
        command.Subcommands.Add(ConfirmEnrollment());
        command.Subcommands.Add(Blacklist());
        return command;
    }

    private static Command Generate()
    {
        var output = new Option<string?>("--out") { Description = "Directory for signing_key.pem and signing_key.x509 (default: the repository's keys/)." };
        var algorithm = new Option<string>("--algo") { Description = "Key type: rsa (RSA-4096), ecdsa (P-384), ecdsa-p256 or ecdsa-p384.", DefaultValueFactory = _ => "rsa" };
        algorithm.AcceptOnlyFromAmong("rsa", "ecdsa", "ecdsa-p256", "ecdsa-p384");
        var subject = new Option<string>("--subject") { Description = "Certificate subject common name.", DefaultValueFactory = _ => KeyGenerationOptions.DefaultSubject };
        var force = new Option<bool>("--force") { Description = "Replace an existing key (modules signed with it stop verifying)." };
        var command = new Command("generate", "Generate a self-signed module signing key like the kernel's certs/x509.genkey: signing_key.pem (0600) and signing_key.x509.")
        {
            output, algorithm, subject, force,
        };
        command.SetAction(result =>
        {
            var directory = result.GetValue(output) ?? RepoPaths.KeysDirectory(RepoPaths.RequireRoot("--out DIR"));
            var keyPath = Path.Combine(directory, DevKey.KeyFileName);
            var certificatePath = Path.Combine(directory, DevKey.CertificateFileName);
            if (!result.GetValue(force) && File.Exists(keyPath))
            {
                throw new CliException($"{keyPath} already exists", "pass --force to replace it; modules signed with the old key will no longer verify");
            }

            var options = new KeyGenerationOptions
            {
                Algorithm = result.GetValue(algorithm) switch
                {
                    "ecdsa" or "ecdsa-p384" => SigningKeyAlgorithm.EcdsaP384,
                    "ecdsa-p256" => SigningKeyAlgorithm.EcdsaP256,
                    _ => SigningKeyAlgorithm.Rsa,
                },
                Subject = result.GetValue(subject)!,
            };
            if (string.IsNullOrWhiteSpace(options.Subject))
            {
                throw new CliException("the subject must not be empty", "see 'mtrace keys generate --help'", ExitCodes.Usage);
            }

            using var key = KeyGenerator.Generate(options);
            key.Write(keyPath, certificatePath, overwrite: true);
            var writer = result.InvocationConfiguration.Output;
            writer.WriteLine($"generated {Describe(options.Algorithm)} key '{options.Subject}'");
            writer.WriteLine($"  private key: {keyPath} (mode 0600, never commit it)");
            writer.WriteLine($"  certificate: {certificatePath}");
            writer.WriteLine($"  sha256:      {CertificateFile.Sha256Hex(key.Certificate)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List()
    {
        var keyring = new Option<string?>("--keyring") { Description = "Keyring directory (default: the repository's keys/keyrings/)." };
        var json = new Option<bool>("--json") { Description = "Print the keyrings as JSON." };
        var attach = Live.LiveSession.AttachOption(required: false);
        var command = new Command("list", "List the certificates in each keyring and the blacklist (of a running host with --attach).") { keyring, json, attach };
        command.SetAction(result =>
        {
            if (result.GetValue(attach) is { } target)
            {
                return LiveKeys.List(result, target, result.GetValue(json));
            }

            var directory = result.GetValue(keyring) ?? RepoPaths.KeyringDirectory(RepoPaths.RequireRoot("--keyring DIR"));
            var keyrings = Directory.Exists(directory) ? LoadKeyrings(directory) : new Keyrings();
            var output = result.InvocationConfiguration.Output;
            var entries = keyrings.All.Select(entry => new KeyJson(
                entry.Keyring.ToString().ToLowerInvariant(),
                CertificateFile.CommonName(entry.Certificate),
                entry.Certificate.Subject,
                CertificateFile.Sha256Hex(entry.Certificate),
                entry.Certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifier?.ToLowerInvariant(),
                entry.Certificate.SerialNumber.ToLowerInvariant(),
                entry.Certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))).ToList();
            if (result.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(
                    new KeyringsJson(directory, keyrings.IsLocked, entries, [.. keyrings.BlacklistedCertificates], [.. keyrings.BlacklistedModules]),
                    CliJson.Options));
                return ExitCodes.Ok;
            }

            output.WriteLine($"keyrings in {directory}{(keyrings.IsLocked ? " (locked down)" : "")}");
            if (entries.Count == 0)
            {
                output.WriteLine("  no trusted certificates");
            }

            foreach (var entry in entries)
            {
                output.WriteLine($"  {entry.Keyring,-10} {entry.Sha256}  {entry.Signer}  (not after {entry.NotAfter})");
            }

            foreach (var hash in keyrings.BlacklistedCertificates)
            {
                output.WriteLine($"  {"blacklist",-10} cert:{hash}");
            }

            foreach (var hash in keyrings.BlacklistedModules)
            {
                output.WriteLine($"  {"blacklist",-10} bin:{hash}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Add()
    {
        var certificate = new Argument<string>("cert") { Description = "Certificate to add (DER or PEM)." };
        var keyring = RequiredKeyring();
        var command = new Command("add", "Add a certificate to the secondary keyring: accepted only if a builtin or secondary key signed it.") { certificate, keyring };
        command.SetAction(result =>
        {
            var directory = result.GetValue(keyring)!;
            if (!Directory.Exists(directory))
            {
                throw new CliException($"keyring directory {directory} does not exist", "create DIR/builtin/ with the certificates that vouch for others");
            }

            var keyrings = LoadKeyrings(directory);
            var update = keyrings.AddSecondary(LoadCertificate(result.GetValue(certificate)!));
            return Finish(result, keyrings, directory, update, "sign the certificate with a builtin or secondary key, or use 'mtrace keys enroll' for the machine keyring");
        });
        return command;
    }

    private static Command Enroll()
    {
        var certificate = new Argument<string>("cert") { Description = "Certificate to enrol (DER or PEM)." };
        var keyring = new Option<string?>("--keyring") { Description = "Keyring directory (or --attach a running host)." };
        var yes = new Option<bool>("--yes") { Description = "Confirm the enrolment without asking (the machine owner's decision)." };
        var attach = Live.LiveSession.AttachOption(required: false);
        var command = new Command("enroll", "Enrol a certificate into the machine keyring (like MOK), on disk or of a running host; asks for confirmation unless --yes.") { certificate, keyring, yes, attach };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(keyring) is null) == (result.GetValue(attach) is null))
            {
                result.AddError("give exactly one of --keyring DIR or --attach PID|SOCKET");
            }
        });
        command.SetAction(result =>
        {
            if (result.GetValue(attach) is { } target)
            {
                var path = result.GetValue(certificate)!;
                var cert = LoadCertificate(path);
                return LiveKeys.Enroll(result, target, path, cert, Confirm(result, cert, "the host's machine keyring"));
            }

            var directory = result.GetValue(keyring)!;
            var keyrings = Directory.Exists(directory) ? LoadKeyrings(directory) : new Keyrings();
            var candidate = LoadCertificate(result.GetValue(certificate)!);
            var update = keyrings.Enroll(candidate, cert => Confirm(result, cert, "the machine keyring"));
            return Finish(result, keyrings, directory, update, "confirm with 'y', or pass --yes when there is no terminal");
        });
        return command;
    }

    private static Command ConfirmEnrollment()
    {
        var code = new Argument<string>("code") { Description = "The one-time code the host printed on its console for the pending enrolment." };
        var attach = Live.LiveSession.AttachOption(required: true);
        var command = new Command("confirm", "Confirm a running host's pending enrolment ('keys enroll --attach') with the code the host printed on its own console (like MOK's password at the console).") { code, attach };
        command.SetAction(result => LiveKeys.Confirm(result, result.GetValue(attach)!, result.GetValue(code)!));
        return command;
    }

    private static Command Blacklist()
    {
        var certificate = new Option<string?>("--cert") { Description = "Blacklist this certificate (its SHA-256)." };
        var module = new Option<string?>("--module") { Description = "Blacklist this module (SHA-256 of its bytes without signature)." };
        var keyring = RequiredKeyring();
        var command = new Command("blacklist", "Blacklist a certificate or a module: refused under every policy, whatever signed it.") { certificate, module, keyring };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(certificate) is null) == (result.GetValue(module) is null))
            {
                result.AddError("give exactly one of --cert FILE or --module FILE");
            }
        });
        command.SetAction(result =>
        {
            var directory = result.GetValue(keyring)!;
            var keyrings = Directory.Exists(directory) ? LoadKeyrings(directory) : new Keyrings();
            string line;
            if (result.GetValue(certificate) is { } certificatePath)
            {
                var cert = LoadCertificate(certificatePath);
                keyrings.BlacklistCertificate(cert);
                line = $"cert:{CertificateFile.Sha256Hex(cert)} tbs:{CertificateFile.SignedPartSha256Hex(cert)} key:{CertificateFile.PublicKeySha256Hex(cert)} ({CertificateFile.CommonName(cert)}): every encoding of it and every certificate for its key";
            }
            else
            {
                var modulePath = result.GetValue(module)!;
                var bytes = CliFiles.ReadBytes(modulePath);
                ReadOnlyMemory<byte> payload;
                try
                {
                    payload = ModuleSigner.StripSignature(bytes);
                }
                catch (InvalidDataException ex)
                {
                    throw new CliException($"{modulePath}: {ex.Message}");
                }

                keyrings.BlacklistModule(payload.Span);
                line = $"bin:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(payload.Span))} ({modulePath})";
            }

            keyrings.Save(directory);
            result.InvocationConfiguration.Output.WriteLine($"blacklisted {line}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Option<string> RequiredKeyring() => new("--keyring") { Description = "Keyring directory.", Required = true };

    internal static bool Confirm(ParseResult result, X509Certificate2 certificate, string keyring)
    {
        if (result.GetValue<bool>("--yes"))
        {
            return true;
        }

        if (Console.IsInputRedirected)
        {
            return false;
        }

        var output = result.InvocationConfiguration.Output;
        output.Write($"Enrol {certificate.Subject} ({CertificateFile.Sha256Hex(certificate)}) into {keyring}? [y/N] ");
        output.Flush();
        var answer = Console.ReadLine()?.Trim();
        return string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) || string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase);
    }

    private static int Finish(ParseResult result, Keyrings keyrings, string directory, KeyringUpdate update, string hint)
    {
        if (!update.Succeeded)
        {
            throw new CliException(
                update.Status == KeyringUpdateStatus.NotConfirmed && Console.IsInputRedirected ? $"{update.Reason}: no terminal to ask on" : update.Reason,
                update.Status == KeyringUpdateStatus.Locked ? "lockdown forbids run-time key changes; remove DIR/lockdown offline if intended" : hint);
        }

        keyrings.Save(directory);
        result.InvocationConfiguration.Output.WriteLine(update.Reason);
        return ExitCodes.Ok;
    }

    private static Keyrings LoadKeyrings(string directory)
    {
        try
        {
            return Keyrings.Load(directory);
        }
        catch (InvalidDataException ex)
        {
            throw new CliException(ex.Message, "fix or remove the file named; keyring contents are never guessed");
        }
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

    private static string Describe(SigningKeyAlgorithm algorithm) => algorithm switch
    {
        SigningKeyAlgorithm.EcdsaP256 => "ECDSA P-256",
        SigningKeyAlgorithm.EcdsaP384 => "ECDSA P-384",
        _ => "RSA-4096",
    };

    private sealed record KeyJson(string Keyring, string Signer, string Subject, string Sha256, string? SubjectKeyId, string Serial, string NotAfter);

    private sealed record KeyringsJson(string Directory, bool Locked, List<KeyJson> Keys, string[] BlacklistedCertificates, string[] BlacklistedModules);
}
