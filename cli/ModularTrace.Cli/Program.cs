using System.CommandLine;
using ModularTrace.Cli;
using ModularTrace.Cli.Commands;

var root = new RootCommand("mtrace: raw hooks in the core, trace events from signed, version-locked modules.");
root.Options.Add(CliApp.Verbose);
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(HooksCommand.Create());
root.Subcommands.Add(ModpostCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(PackCommand.Create());
root.Subcommands.Add(AbiCommand.Create());
root.Subcommands.Add(LabCommand.Create());
root.Subcommands.Add(SignCommand.Create());
root.Subcommands.Add(VerifyCommand.Create());
root.Subcommands.Add(ModinfoCommand.Create());
root.Subcommands.Add(KeysCommand.Create());
root.Subcommands.Add(EventsCommand.Create());
root.Subcommands.Add(HostCommand.Create());
root.Subcommands.Add(PsCommand.Create());
foreach (var live in LiveCommands.Create())
{
    root.Subcommands.Add(live);
}

return CliApp.Run(root, args);
