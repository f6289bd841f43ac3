using System.CommandLine;
using ModularTrace.Signing;

namespace ModularTrace.Cli.Commands;

/// <summary><c>mtrace sign</c>: the kernel's <c>scripts/sign-file</c>, same arguments and options.</summary>
internal static class SignCommand
{
    public static Command Create()
    {
        var signOnly = new Option<bool>("-d") { Description = "Write only the detached signature to <module>.p7s; leave the module unchanged (implies -p)." };
        var saveSignature = new Option<bool>("-p") { Description = "Also write the detached signature to <module>.p7s." };
        var useKeyId = new Option<bool>("-k") { Description = "Identify the signer by subject key identifier instead of issuer and serial number." };
        var hash = new Argument<string>("hash") { Description = "Digest: sha256, sha384 or sha512." };
        var key = new Argument<string>("key") { Description = "Private key, PEM (PKCS#8, RSA or EC; a combined signing_key.pem works)." };
        var certificate = new Argument<string>("x509") { Description = "The signer's certificate, DER or PEM." };
        var module = new Argument<string>("module") { Description = "The module to sign." };
        var destination = new Argument<string?>("dest") { Description = "Where to write the signed module (default: replace <module>).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("sign", "Sign a module as the kernel's sign-file does: module | PKCS#7 | module_signature | marker. An existing signature is replaced.")
        {
            signOnly, saveSignature, useKeyId, hash, key, certificate, module, destination,
        };
        command.SetAction(result =>
        {
            var hashName = result.GetValue(hash)!;
            if (!ModuleSigner.HashAlgorithms.Contains(hashName))
            {
                throw new CliException($"unsupported hash algorithm '{hashName}'", $"use one of {string.Join(", ", ModuleSigner.HashAlgorithms)}", ExitCodes.Usage);
            }

            var modulePath = result.GetValue(module)!;
            var loaded = Load(() => PrivateKeyFile.Load(result.GetValue(key)!));
            using var privateKey = loaded.Key;
            if (loaded.Warning is not null)
            {
                result.InvocationConfiguration.Error.WriteLine($"mtrace: warning: {loaded.Warning}");
            }

            using var signer = Load(() => CertificateFile.Load(result.GetValue(certificate)!));

            // Read once; sign and write from this buffer.
            var bytes = CliFiles.ReadBytes(modulePath);
            var payload = Load(() => ModuleSigner.StripSignature(bytes));
            byte[] pkcs7;
            try
            {
                pkcs7 = ModuleSigner.DetachedSignature(payload.Span, privateKey, signer, hashName, result.GetValue(useKeyId));
            }
            catch (ArgumentException ex)
            {
                throw new CliException($"{modulePath}: {FirstSentence(ex.Message)}", "the key and the certificate must belong together (mtrace keys generate writes both)");
            }

            var onlyDetached = result.GetValue(signOnly);
            if (onlyDetached || result.GetValue(saveSignature))
            {
                File.WriteAllBytes(modulePath + ".p7s", pkcs7);
            }

            if (onlyDetached)
            {
                return ExitCodes.Ok;
            }

            var signed = AppendedSignature.Append(payload.Span, pkcs7);
            if (result.GetValue(destination) is { } dest)
            {
                File.WriteAllBytes(dest, signed);
            }
            else
            {
                // sign-file writes <module>.~signed~ and renames it over the module, so a crash never leaves half a file.
                var temporary = modulePath + ".~signed~";
                File.WriteAllBytes(temporary, signed);
                File.Move(temporary, modulePath, overwrite: true);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static T Load<T>(Func<T> load)
    {
        try
        {
            return load();
        }
        catch (InvalidDataException ex)
        {
            throw new CliException(ex.Message);
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(" (Parameter", StringComparison.Ordinal);
        return end < 0 ? message : message[..end];
    }
}
