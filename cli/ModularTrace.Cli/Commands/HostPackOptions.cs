using System.CommandLine;
using ModularTrace.Cli.Tracing;
using ModularTrace.Hooks;
using ModularTrace.Hosting;
using ModularTrace.Modules;
using ModularTrace.Signing;

namespace ModularTrace.Cli.Commands;

/// <summary>
/// <c>mtrace pack build NAME --symvers FILE --key PEM --cert X509 --project CSPROJ... [--out DIR]</c>: a pack for a host
/// other than the sample kernel, built in CI from the host's Module.symvers with no running process (a distribution's
/// pack against its kernel). Each project is built with ModuleSymvers, ModuleVermagic and the signing key set; the
/// modules and a <c>pack.index</c> signed with the same key go to DIR, which a host loads with ModularTrace:Pack.
/// </summary>
internal sealed class HostPackOptions
{
    public Option<string?> Symvers { get; } = new("--symvers") { Description = "Build against this host's Module.symvers instead of a sample profile's." };

    public Option<string?> Vermagic { get; } = new("--vermagic") { Description = "With --symvers: the host's vermagic (default: the Module.vermagic beside the file)." };

    public Option<string?> Key { get; } = new("--key") { Description = "With --symvers: the private key (PEM) modules and index are signed with." };

    public Option<string?> Certificate { get; } = new("--cert") { Description = "With --symvers: the key's certificate (what the host trusts)." };

    public Option<string[]> Projects { get; } = new("--project") { Description = "With --symvers: a module project to build into the pack (repeatable, load order)." };

    public Option<string?> Output { get; } = new("--out") { Description = "With --symvers: the pack directory (default out/packs/NAME under the current directory)." };

    /// <summary>The first host-pack option given, for the refusal when --symvers is not.</summary>
    public string? Given(ParseResult result) =>
        result.GetValue(Vermagic) is not null ? "--vermagic"
        : result.GetValue(Key) is not null ? "--key"
        : result.GetValue(Certificate) is not null ? "--cert"
        : result.GetValue(Projects) is { Length: > 0 } ? "--project"
        : result.GetValue(Output) is not null ? "--out"
        : null;

    public int Build(ParseResult result, string pack, TextWriter output)
    {
        var symversPath = Path.GetFullPath(result.GetValue(Symvers)!);
        var key = Required(result, Key, "--key");
        var certificate = Required(result, Certificate, "--cert");
        var projects = result.GetValue(Projects) ?? [];
        if (projects.Length == 0)
        {
            throw new CliException("pack build: --symvers needs at least one --project", "name each module project to build against the host's symvers", ExitCodes.Usage);
        }

        if (!ModuleManifestReader.IsModuleName(pack))
        {
            throw new CliException($"pack build: '{pack}' is not a pack name (1-55 letters, digits, '_', '-')", null, ExitCodes.Usage);
        }

        // Read and check the table and the vermagic first: a malformed file fails before anything is built.
        Symvers table;
        try
        {
            table = Hooks.Symvers.Load(symversPath);
        }
        catch (FormatException ex)
        {
            throw new CliException($"pack build: {ex.Message}", "regenerate it with the host's build or 'mtrace hooks --attach PID --symvers'");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"pack build: cannot read {symversPath}: {ex.Message}", "--symvers names the host's Module.symvers, written by its build");
        }

        var vermagic = result.GetValue(Vermagic) ?? ReadVermagic(symversPath);
        using (var signingKey = SigningKey.Load(key, certificate))
        {
            output.WriteLine($"pack {pack}: host symvers {symversPath} ({table.Entries.Count} hooks), vermagic '{vermagic}', key '{CertificateFile.CommonName(signingKey.Certificate)}'");
        }

        var directory = Path.GetFullPath(result.GetValue(Output) ?? Path.Combine("out", "packs", pack));
        Directory.CreateDirectory(directory);
        foreach (var stale in Directory.GetFiles(directory).Where(f => f.EndsWith(".dll", StringComparison.Ordinal) || Path.GetFileName(f) == Packs.IndexFile))
        {
            File.Delete(stale);
        }

        string[] properties =
        [
            $"-p:ModuleSymvers={symversPath}", $"-p:ModuleVermagic={vermagic}", $"-p:ModuleSigningKey={key}", $"-p:ModuleSigningCert={certificate}", "-p:ModuleGenerateKey=false",
        ];
        var entries = new List<PackIndexEntry>();
        foreach (var project in projects.Select(Path.GetFullPath))
        {
            ModuleBuild.Build(Directory.GetCurrentDirectory(), project, output, properties);
            var source = ModuleBuild.Property(project, "TargetPath", properties);
            var target = Path.Combine(directory, Path.GetFileName(source));
            File.Copy(source, target, overwrite: true);
            var manifest = ModuleManifestReader.TryRead(ModuleSigner.StripSignature(CliFiles.ReadBytes(target)), out var error)
                ?? throw new CliException($"{source}: {error}");
            if (manifest.Vermagic != vermagic)
            {
                throw new CliException($"pack build: {source} carries vermagic '{manifest.Vermagic}', not the host's '{vermagic}'", "the project must be a module built by the module SDK (ModuleSymvers, ModuleVermagic)");
            }

            entries.Add(Packs.Entry(target, manifest));
            output.WriteLine($"  {manifest.Name,-8} {manifest.Version,-8} {target}");
        }

        Packs.WriteIndex(directory, new PackIndex(pack, "host", vermagic, VerMagic.Host, [.. entries]), new DevKeyFiles(Path.GetFullPath(key), Path.GetFullPath(certificate), false));
        output.WriteLine($"pack {pack}: {entries.Count} modules, index {Path.Combine(directory, Packs.IndexFile)} signed");
        output.WriteLine("load it at the host's start with ModularTrace:Pack=" + directory);
        return ExitCodes.Ok;
    }

    private static string Required(ParseResult result, Option<string?> option, string name) =>
        result.GetValue(option) is { } value
            ? Path.GetFullPath(value)
            : throw new CliException($"pack build: --symvers needs {name}", "the pack's modules and index are signed with --key PEM, whose certificate --cert the host trusts", ExitCodes.Usage);

    private static string ReadVermagic(string symversPath)
    {
        var beside = Path.Combine(Path.GetDirectoryName(symversPath)!, HostHooks.VermagicFileName);
        return File.Exists(beside) && File.ReadAllText(beside).TrimEnd('\n', '\r') is { Length: > 0 } text && !text.Contains('\n', StringComparison.Ordinal)
            ? text
            : throw new CliException($"pack build: no vermagic for the host of {symversPath}: give --vermagic, or put its {HostHooks.VermagicFileName} beside it", "'mtrace hooks --attach PID' prints a running host's vermagic");
    }
}
