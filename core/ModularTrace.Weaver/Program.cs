using ModularTrace.Weaver;

// Usage: ModularTrace.Weaver ASSEMBLY   (weaves in place; exit 0 also when there is nothing to weave)
if (args.Length != 1 || !File.Exists(args[0]))
{
    Console.Error.WriteLine("usage: ModularTrace.Weaver ASSEMBLY.dll (woven in place, with its .pdb when present)");
    return 2;
}

var report = EntryHookWeaver.WeaveFile(args[0]);
foreach (var line in report.Skipped)
{
    Console.WriteLine($"weaver: skipped {line}");
}

Console.WriteLine(report.AlreadyWoven
    ? $"weaver: {Path.GetFileName(args[0])} is woven already"
    : $"weaver: {Path.GetFileName(args[0])}: {report.Hooks.Length} entry hooks");
return 0;
