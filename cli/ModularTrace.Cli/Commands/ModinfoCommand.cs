using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ModularTrace.Signing;

namespace ModularTrace.Cli.Commands;

/// <summary><c>mtrace modinfo</c>: a module's fields, kernel-modinfo style (<c>%-16s%s</c>): file, signature, and later the manifest.</summary>
internal static class ModinfoCommand
{
    public static Command Create()
    {
        var module = new Argument<string>("module") { Description = "The module file." };
        var json = new Option<bool>("--json") { Description = "Print the fields as a JSON object." };
        var trust = new TrustOptions();
        var command = new Command("modinfo", "Show a module's information: filename, size and signature fields (sig_id, signer, sig_key, sig_hashalgo, signature).") { module, json };
        trust.AddTo(command);
        command.SetAction(result =>
        {
            var path = result.GetValue(module)!;
            var bytes = File.ReadAllBytes(path);
            var fields = new List<KeyValuePair<string, string>>();
            AddFileFields(fields, path, bytes);
            AddSignatureFields(fields, SignatureVerifier.Verify(bytes, trust.Resolve(result, requireSomething: false)));

            // Module manifest fields (name, version, vermagic, hooks, ...) are appended here as a further section
            // once modules carry a manifest; each section only adds fields, so the order above stays stable.
            var output = result.InvocationConfiguration.Output;
            if (result.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(fields.ToDictionary(), CliJson.Options));
            }
            else
            {
                foreach (var (field, value) in fields)
                {
                    output.WriteLine($"{field + ":",-16}{value}");
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static void AddFileFields(List<KeyValuePair<string, string>> fields, string path, byte[] bytes)
    {
        fields.Add(new("filename", Path.GetFullPath(path)));
        fields.Add(new("size", bytes.Length.ToString(CultureInfo.InvariantCulture)));
    }

    private static void AddSignatureFields(List<KeyValuePair<string, string>> fields, SignatureVerification verification)
    {
        if (verification.KeyId is not null)
        {
            fields.Add(new("sig_id", "PKCS#7"));
            if (verification.Signer is not null)
            {
                fields.Add(new("signer", verification.Signer));
            }

            // The kernel's modinfo prints the key id as colon-separated upper-case hex bytes.
            fields.Add(new("sig_key", string.Join(':', Convert.FromHexString(verification.KeyId).Select(b => b.ToString("X2", CultureInfo.InvariantCulture)))));
            fields.Add(new("sig_hashalgo", verification.HashAlgorithm!));
        }

        var status = verification.Status switch
        {
            SignatureStatus.Valid => $"valid ({verification.Keyring.ToString()!.ToLowerInvariant()} keyring)",
            SignatureStatus.Unsigned => "unsigned",
            _ => $"{verification.Status.ToDisplayName()}: {VerifyCommand.Describe(verification)}",
        };
        fields.Add(new("signature", status));
    }
}
