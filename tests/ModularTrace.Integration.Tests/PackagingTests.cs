using System.Diagnostics;
using System.Text.RegularExpressions;
using ModularTrace.Modules;

namespace ModularTrace.Integration.Tests;

/// <summary>
/// The packages as a module author outside the repository uses them (docs/module-sdk.md): pack, install the tool and
/// the template, <c>dotnet new mtrace-module</c>, build and test the new module against the local packages, then
/// inspect and run it with the installed tool. Everything happens in a temporary directory with its own NuGet cache
/// and template hive, so no global state is read or left. Slow (minutes), so it is one test. PATH is as on a Debian
/// machine with libc-devtools after <c>dotnet tool install --global</c>: glibc's <c>mtrace</c> comes first and the tools
/// folder last, so a build that ran <c>mtrace</c> by name would run glibc's script.
/// </summary>
public sealed class PackagingTests : IDisposable
{
    private const string ModuleName = "myevents";

    private static readonly string[] s_projects =
    [
        "signing/ModularTrace.Signing/ModularTrace.Signing.csproj",
        "core/ModularTrace.Hooks/ModularTrace.Hooks.csproj",
        "core/ModularTrace.Runtime/ModularTrace.Runtime.csproj",
        "core/ModularTrace.Tracing/ModularTrace.Tracing.csproj",
        "core/ModularTrace.Output/ModularTrace.Output.csproj",
        "core/ModularTrace.Contract/ModularTrace.Contract.csproj",
        "core/ModularTrace.Loader/ModularTrace.Loader.csproj",
        "core/ModularTrace.Control/ModularTrace.Control.csproj",
        "core/ModularTrace.Hosting/ModularTrace.Hosting.csproj",
        "core/ModularTrace.SampleHost/ModularTrace.SampleHost.csproj",
        "cli/ModularTrace.Cli/ModularTrace.Cli.csproj",
        "sdk/ModularTrace.Module.Sdk/ModularTrace.Module.Sdk.csproj",
        "sdk/ModularTrace.Templates/ModularTrace.Templates.csproj",
    ];

    private readonly string _root = Directory.CreateTempSubdirectory("mtrace-packaging-").FullName;
    private bool _templateInstalled;

    private string Packages => Path.Combine(_root, "packages");

    private string Hive => Path.Combine(_root, "template-hive");

    private string Tool => Path.Combine(_root, "tools", OperatingSystem.IsWindows() ? "mtrace.exe" : "mtrace");

    /// <summary>A folder first on PATH holding glibc's mtrace (libc-devtools), or a stand-in that answers as it does.</summary>
    private string Shadow => Path.Combine(_root, "glibc-bin");

    [Fact]
    public void ModuleTemplate_BuiltWithThePackages_IsSignedStampedLoadableAndTraces()
    {
        // 1. Pack what the solution build already compiled (this test project references every packed project).
        foreach (var packed in s_projects)
        {
            Run("dotnet", TimeSpan.FromMinutes(5), isolated: false, "pack", Path.Combine(RepoFiles.Root, packed), "-c", RepoFiles.Configuration, "--no-build", "-o", Packages);
        }

        var toolPackage = Directory.GetFiles(Packages, "ModularTrace.Cli.*.nupkg").Single();
        var version = Path.GetFileNameWithoutExtension(toolPackage)["ModularTrace.Cli.".Length..];
        foreach (var id in new[] { "ModularTrace.Hooks", "ModularTrace.Runtime", "ModularTrace.Tracing", "ModularTrace.Output", "ModularTrace.Contract", "ModularTrace.Loader", "ModularTrace.Control", "ModularTrace.Hosting", "ModularTrace.Signing", "ModularTrace.SampleHost", "ModularTrace.Module.Sdk", "ModularTrace.Templates" })
        {
            Assert.True(File.Exists(Path.Combine(Packages, $"{id}.{version}.nupkg")), $"{id}.{version}.nupkg missing from {Packages}");
        }

        // 2. A directory outside any checkout: local packages first, the registry second; nothing above it imported.
        File.WriteAllText(Path.Combine(_root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{Packages}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
            </configuration>
            """);
        foreach (var stop in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            File.WriteAllText(Path.Combine(_root, stop), "<Project />\n");
        }

        GlibcMtrace.Install(Shadow);

        // 3. The tool and the template, as the docs install them.
        Dotnet(TimeSpan.FromMinutes(5), "tool", "install", "ModularTrace.Cli", "--version", version, "--tool-path", Path.Combine(_root, "tools"), "--add-source", Packages);
        Dotnet(TimeSpan.FromMinutes(2), "new", "install", Path.Combine(Packages, $"ModularTrace.Templates.{version}.nupkg"), "--debug:custom-hive", Hive);
        _templateInstalled = true;
        var project = Path.Combine(_root, "MyEvents");
        Dotnet(TimeSpan.FromMinutes(2), "new", "mtrace-module", "-n", "MyEvents", "-o", project, "--debug:custom-hive", Hive);

        // 4. An MtraceCommand override that is not ModularTrace's CLI (here glibc's) is named, before anything is built.
        var foreign = Execute("dotnet", TimeSpan.FromMinutes(5), isolated: true, "build", Path.Combine(project, "MyEvents", "MyEvents.csproj"), "-p:MtraceCommand=mtrace");
        Assert.NotEqual(0, foreign.ExitCode);
        Assert.Contains("MtraceCommand 'mtrace' is not ModularTrace's mtrace (its version answer was 'mtrace (", foreign.Stdout, StringComparison.Ordinal);

        // 5. Build and run the template's own tests: they load the module into the sample host through ModuleLoader.
        // The SDK runs the mtrace packed inside it, so glibc's mtrace first on PATH changes nothing.
        var test = Dotnet(TimeSpan.FromMinutes(15), "test", Path.Combine(project, "MyEvents.slnx"));
        Assert.Matches(new Regex(@"Passed:\s+2\b"), test.Stdout);

        var module = Path.Combine(project, "MyEvents", "bin", "Debug", "net10.0", "MyEvents.dll");
        var certificate = Path.Combine(project, "MyEvents", "keys", "signing_key.x509");
        Assert.True(File.Exists(Path.Combine(project, "MyEvents", "keys", "signing_key.pem")), "the first build did not generate the module's signing key");
        foreach (var shared in new[] { "ModularTrace.Hooks.dll", "ModularTrace.Tracing.dll", "ModularTrace.Contract.dll" })
        {
            Assert.False(
                File.Exists(Path.Combine(Path.GetDirectoryName(module)!, shared)),
                $"{shared} was copied into the module's output: the module would carry its own copy of the host's types");
        }

        // 6. The installed tool: signed with its key (named after the project), stamped with the tool's vermagic and the host's hook CRC.
        var symvers = Run(Tool, TimeSpan.FromMinutes(2), "hooks", "--symvers");
        var crc = symvers.Stdout.Split('\n').Select(line => line.Split('\t')).Single(columns => columns.Length == 3 && columns[1] == "irq_handler_entry")[0];
        var modinfo = Run(Tool, TimeSpan.FromMinutes(2), "modinfo", module, "--cert", certificate);
        var fields = modinfo.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("signature:      valid (builtin keyring)", fields);
        Assert.Contains("signer:         MyEvents module signing key", fields);
        Assert.Contains($"name:           {ModuleName}", fields);
        Assert.Contains("intree:         N", fields);
        Assert.Contains($"hook:           {crc} irq_handler_entry", fields);
        // The tool packed from this build has this build's Core, so its vermagic is the one the repository's host has.
        Assert.Contains($"vermagic:       {VerMagic.Host}", fields);

        // 7. mtrace run of the same tool loads it (enforcing signature, vermagic, CRCs) and records its event.
        var run = Run(Tool, TimeSpan.FromMinutes(2), "run", "--load", module, "--cert", certificate, "--events", "2000", "--text");
        Assert.Contains($"# host_vermagic: {VerMagic.Host}", run.Stdout, StringComparison.Ordinal);
        Assert.Contains($"# modules: {ModuleName}@0.1.0(O)", run.Stdout, StringComparison.Ordinal);
        Assert.Matches(new Regex(@" irq_entry: irq=\d+ handler=\S+"), run.Stdout);
        Assert.False(Directory.Exists(Path.Combine(project, "host")), "the template without --symvers wrote its host variant too");

        // 8. For another host, as its platform team in CI: only the sample service's Module.symvers (written by its
        // build) and its vermagic, no running service. The module compiles against those hooks' prototypes and its
        // tests load it against hooks made from that file.
        var hostFiles = Path.Combine(_root, "service-host");
        Directory.CreateDirectory(hostFiles);
        var serviceOutput = Path.Combine(RepoFiles.Root, "samples", "ModularTrace.SampleService", "bin", RepoFiles.Configuration, "net10.0");
        File.Copy(Path.Combine(serviceOutput, "Module.symvers"), Path.Combine(hostFiles, "Module.symvers"));
        var serviceVermagic = File.ReadAllText(Path.Combine(serviceOutput, "Module.vermagic")).TrimEnd('\n');
        var hosted = Path.Combine(_root, "ServiceEvents");
        Dotnet(TimeSpan.FromMinutes(2), "new", "mtrace-module", "-n", "ServiceEvents", "-o", hosted, "--debug:custom-hive", Hive,
            "--symvers", "../service-host/Module.symvers", "--vermagic", serviceVermagic, "--hook", "http_request_stop;cache_lookup");
        var hostedTest = Dotnet(TimeSpan.FromMinutes(15), "test", Path.Combine(hosted, "ServiceEvents.slnx"));
        Assert.Matches(new Regex(@"Passed:\s+3\b"), hostedTest.Stdout);

        var hostedModule = Path.Combine(hosted, "ServiceEvents", "bin", "Debug", "net10.0", "ServiceEvents.dll");
        var hostedInfo = Run(Tool, TimeSpan.FromMinutes(2), "modinfo", hostedModule, "--cert", Path.Combine(hosted, "ServiceEvents", "keys", "signing_key.x509"))
            .Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var serviceCrcs = File.ReadAllLines(Path.Combine(hostFiles, "Module.symvers")).Select(line => line.Split('\t')).ToDictionary(c => c[1], c => c[0]);
        Assert.Contains($"vermagic:       {serviceVermagic}", hostedInfo);
        Assert.Contains($"hook:           {serviceCrcs["cache_lookup"]} cache_lookup", hostedInfo);
        Assert.Contains($"hook:           {serviceCrcs["http_request_stop"]} http_request_stop", hostedInfo);
        Assert.DoesNotContain(hostedInfo, line => line.Contains("irq_handler_entry", StringComparison.Ordinal));

        // 9. A hook the host does not have fails the build with the kernel's words, naming the host's file.
        var undefined = Path.Combine(_root, "Undefined");
        Dotnet(TimeSpan.FromMinutes(2), "new", "mtrace-module", "-n", "Undefined", "-o", undefined, "--debug:custom-hive", Hive,
            "--symvers", Path.Combine(hostFiles, "Module.symvers"), "--vermagic", serviceVermagic, "--hook", "http_request_stop;myapp_request");
        var refused = Execute("dotnet", TimeSpan.FromMinutes(5), isolated: true, "build", Path.Combine(undefined, "Undefined", "Undefined.csproj"));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("modpost: \"myapp_request\" [undefined] undefined!", refused.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{Path.Combine(hostFiles, "Module.symvers")} (the host's Module.symvers) has no hook of that name", refused.Stdout, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (_templateInstalled)
        {
            // Best effort: the hive is inside _root and goes with it anyway.
            Execute("dotnet", TimeSpan.FromMinutes(2), isolated: true, "new", "uninstall", "ModularTrace.Templates", "--debug:custom-hive", Hive);
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A process still holding a file must not turn a passing test into a failure; the OS cleans temp.
        }
    }

    private MtraceResult Dotnet(TimeSpan timeout, params string[] args) => Run("dotnet", timeout, isolated: true, args);

    private MtraceResult Run(string program, TimeSpan timeout, params string[] args) => Run(program, timeout, isolated: true, args);

    /// <summary>Runs a command in the temporary directory; a non-zero exit fails the test with the command and its output.</summary>
    private MtraceResult Run(string program, TimeSpan timeout, bool isolated, params string[] args)
    {
        var result = Execute(program, timeout, isolated, args);
        Assert.True(result.ExitCode == 0, $"{program} {string.Join(' ', args)}\n{result}");
        return result;
    }

    /// <summary>
    /// <paramref name="isolated"/>: as a module author outside the checkout, with glibc's mtrace first on PATH, the
    /// installed tool's folder last (where 'dotnet tool install --global' puts it) and a NuGet cache of the test's own (so a package of the same version from an earlier run is never used instead).
    /// Packing is not isolated: it reads the checkout's restore results, which name the usual cache.
    /// </summary>
    private MtraceResult Execute(string program, TimeSpan timeout, bool isolated, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _root,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        if (isolated)
        {
            start.Environment["PATH"] = string.Join(Path.PathSeparator, Shadow, Environment.GetEnvironmentVariable("PATH"), Path.Combine(_root, "tools"));
            start.Environment["NUGET_PACKAGES"] = Path.Combine(_root, "nuget-packages");
        }

        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"{program} {string.Join(' ', args)} did not finish in {timeout.TotalMinutes} minutes\n{new MtraceResult(-1, stdout.Result, stderr.Result)}");
        }

        return new MtraceResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
