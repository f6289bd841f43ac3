using System.CommandLine;
using System.Text.Json;
using ModularTrace.Cli.Tracing;
using ModularTrace.Modules;
using ModularTrace.Signing;
using Spectre.Console;

namespace ModularTrace.Cli.Commands;

/// <summary><c>mtrace pack build|list|verify</c>: distribution packs.</summary>
internal static class PackCommand
{
    public static Command Create()
    {
        var command = new Command("pack", "Distribution packs: the sample modules built against a profile's symvers, signed with its key, listed in a signed index.");
        command.Subcommands.Add(Build());
        command.Subcommands.Add(List());
        command.Subcommands.Add(VerifyCommand());
        return command;
    }

    private static Command Build()
    {
        var name = new Argument<string>("pack") { Description = "The pack to build (modules/packs/NAME/pack.json), or with --symvers the new pack's name." };
        var host = new HostPackOptions();
        var command = new Command("build", "Build a pack: compile its modules against the profile's symvers (or a host's, --symvers), sign them with the profile's key (or --key), write the signed index to out/packs/NAME/ (or --out).")
        {
            name, host.Symvers, host.Vermagic, host.Key, host.Certificate, host.Projects, host.Output,
        };
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            if (result.GetValue(host.Symvers) is not null)
            {
                return host.Build(result, result.GetValue(name)!, output);
            }

            if (host.Given(result) is { } stray)
            {
                throw new CliException($"pack build: {stray} needs --symvers", "a sample profile's pack: 'mtrace pack build NAME'; another host's: --symvers FILE --key PEM --cert X509 --project CSPROJ", ExitCodes.Usage);
            }

            var root = RepoPaths.RequireCheckout("packs are built from its sources");
            var pack = result.GetValue(name)!;
            var definition = Packs.Definition(root, pack);
            var profile = HostProfiles.Resolve(definition.Profile);
            var key = HostProfiles.Key(root, profile);
            output.WriteLine($"pack {pack}: profile {profile.Name} (vermagic '{HostProfiles.Vermagic(profile)}'), key {Path.GetRelativePath(root, key.CertificatePath)}{(key.Generated ? " (generated now)" : "")}");
            var defines = HostProfiles.Defines(profile);
            ModuleBuild.Run(root, output, $"-p:ModuleProfile={profile.Name}", $"-p:ModuleDefines={string.Join("%3B", defines)}");
            var directory = Packs.PackDirectory(root, pack);
            Directory.CreateDirectory(directory);
            foreach (var stale in Directory.GetFiles(directory).Where(f => f.EndsWith(".dll", StringComparison.Ordinal) || Path.GetFileName(f) == Packs.IndexFile))
            {
                File.Delete(stale);
            }

            var entries = new List<PackIndexEntry>();
            foreach (var module in definition.Modules)
            {
                var source = Packs.ModuleFile(root, module, profile.Name);
                var target = Path.Combine(directory, Path.GetFileName(source));
                File.Copy(source, target);
                var manifest = ModuleManifestReader.TryRead(ModuleSigner.StripSignature(CliFiles.ReadBytes(target)), out var error)
                    ?? throw new CliException($"{source}: {error}");
                entries.Add(Packs.Entry(target, manifest));
                output.WriteLine($"  {manifest.Name,-8} {manifest.Version,-8} {Path.GetRelativePath(root, target)}");
            }

            Packs.WriteIndex(directory, new PackIndex(pack, profile.Name, HostProfiles.Vermagic(profile), VerMagic.Host, [.. entries]), key);
            output.WriteLine($"pack {pack}: {entries.Count} modules, index {Path.GetRelativePath(root, Path.Combine(directory, Packs.IndexFile))} signed by '{CertificateFile.CommonName(CertificateFile.Load(key.CertificatePath))}'");
            output.WriteLine($"load it with: mtrace run --profile {profile.Name} --pack {pack}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List()
    {
        var json = new Option<bool>("--json") { Description = "Print the packs as JSON." };
        var command = new Command("list", "List the pack definitions and whether each is built and intact.") { json };
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            var root = RepoPaths.RequireCheckout("packs live in it");
            var rows = Packs.Names(root).Select(name =>
            {
                var definition = Packs.Definition(root, name);
                string state;
                try
                {
                    state = definition.Profile is null or Packs.Default
                        ? $"uses the modules as built ({Packs.ModuleFiles(root, name).Count} present)"
                        : $"built, index verified ({Packs.Verify(root, name).Modules.Length} modules)";
                }
                catch (CliException ex)
                {
                    state = ex.Message;
                }

                return new PackRow(name, definition.Profile ?? Packs.Default, definition.Modules.Length, state);
            }).ToArray();
            if (result.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(rows, CliJson.Options));
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("pack", "profile", "modules", "state");
            foreach (var row in rows)
            {
                table.AddRow(row.Pack, row.Profile, row.Modules.ToString(System.Globalization.CultureInfo.InvariantCulture), row.State.EscapeMarkup());
            }

            CliConsole.Create(output).Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command VerifyCommand()
    {
        var name = new Argument<string>("pack") { Description = "The pack to check." };
        var command = new Command("verify", "Check a built pack: its index is signed by the profile's key and every module file matches its recorded SHA-256.") { name };
        command.SetAction(result =>
        {
            var root = RepoPaths.RequireCheckout("packs live in it");
            var index = Packs.Verify(root, result.GetValue(name)!);
            var output = result.InvocationConfiguration.Output;
            foreach (var module in index.Modules)
            {
                output.WriteLine($"{module.Name,-8} {module.Version,-8} sha256:{module.Sha256} ok");
            }

            output.WriteLine($"pack {index.Name}: index signature valid ({index.Profile} key), {index.Modules.Length} modules intact, vermagic '{index.Vermagic}'");
            return ExitCodes.Ok;
        });
        return command;
    }

    private sealed record PackRow(string Pack, string Profile, int Modules, string State);
}
