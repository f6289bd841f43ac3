using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ModularTrace.Modules;
using ModularTrace.Signing;

namespace ModularTrace.Cli.Commands;

/// <summary><c>mtrace modinfo</c>: a module's fields, kernel-modinfo style (<c>%-16s%s</c>): file, signature, then the manifest.</summary>
internal static class ModinfoCommand
{
    public static Command Create()
    {
        var module = new Argument<string>("module") { Description = "The module file." };
        var json = new Option<bool>("--json") { Description = "Print the fields as a JSON object." };
        var trust = new TrustOptions();
        var command = new Command("modinfo", "Show a module's information: filename, size, signature fields (sig_id, signer, sig_key, sig_hashalgo, signature), then its manifest (name, version, license, author, description, vermagic, intree, imports, exports, one hook line per hook CRC).") { module, json };
        trust.AddTo(command);
        command.SetAction(result =>
        {
            var path = result.GetValue(module)!;
            var bytes = ModuleFile.TryRead(path, out var readError)
                ?? throw new CliException($"could not get modinfo from '{path}': {readError}", "give the path of a module file (a .dll built by the module SDK)");

            // Like the kernel's modinfo, a file with no manifest is refused (ENOEXEC), not shown as an unsigned module.
            var manifest = ReadManifest(bytes, out var notModule) ?? throw new CliException(
                $"could not get modinfo from '{path}': Exec format error (ENOEXEC): {notModule}",
                "modinfo reads ModularTrace modules: .NET assemblies carrying [assembly: TraceModule] (mtrace verify checks the signature of any file)");
            var fields = new List<KeyValuePair<string, string>>();
            AddFileFields(fields, path, bytes);
            AddSignatureFields(fields, SignatureVerifier.Verify(bytes, trust.Resolve(result, requireSomething: false)));

            // Each section only adds fields, so the order above stays stable for scripts.
            AddManifestFields(fields, manifest);
            var output = result.InvocationConfiguration.Output;
            if (result.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(ToJson(fields), CliJson.Options));
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

    /// <summary>The manifest, read from the payload without the signature and without running the module; null with why not.</summary>
    private static ModuleManifest? ReadManifest(byte[] bytes, out string? error)
    {
        ReadOnlyMemory<byte> payload;
        try
        {
            payload = ModuleSigner.StripSignature(bytes);
        }
        catch (InvalidDataException)
        {
            // A malformed trailer (the signature field says why): the manifest is still read, as the kernel's modinfo
            // reads .modinfo whatever the signature; the metadata reader ignores bytes after the image.
            payload = bytes;
        }

        return ModuleManifestReader.TryRead(payload, out error);
    }

    private static void AddManifestFields(List<KeyValuePair<string, string>> fields, ModuleManifest manifest)
    {
        fields.Add(new("name", manifest.Name));
        fields.Add(new("version", manifest.Version));
        fields.Add(new("license", manifest.License));
        fields.Add(new("author", manifest.Author));
        fields.Add(new("description", manifest.Description));
        fields.Add(new("vermagic", manifest.Vermagic));
        fields.Add(new("intree", manifest.InTree ? "Y" : "N"));
        foreach (var import in manifest.Imports)
        {
            fields.Add(new("import", import));
        }

        foreach (var export in manifest.Exports)
        {
            fields.Add(new("export", export));
        }

        // One line per __versions entry, as 'modprobe --dump-modversions' prints them: CRC, then the hook.
        foreach (var (hook, crc) in manifest.Hooks)
        {
            fields.Add(new("hook", string.Create(CultureInfo.InvariantCulture, $"0x{crc:x8} {hook}")));
        }
    }

    /// <summary>JSON: one property per field; the repeatable fields (hook, import, export) are always arrays.</summary>
    private static Dictionary<string, object> ToJson(List<KeyValuePair<string, string>> fields)
    {
        var json = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (field, value) in fields)
        {
            if (field is "hook" or "import" or "export")
            {
                if (!json.TryGetValue(field, out var list))
                {
                    json[field] = list = new List<string>();
                }

                ((List<string>)list).Add(value);
            }
            else
            {
                json[field] = value;
            }
        }

        return json;
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
            if (verification.Certificate is { } certificate)
            {
                // Not the kernel's field: the signer's validity, shown because the loader (like the kernel) ignores it.
                fields.Add(new("sig_validity", CertificateFile.Validity(certificate, DateTimeOffset.UtcNow)));
            }
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
