namespace ModularTrace.Fuzz;

/// <summary>The fallback that needs no afl: runs every committed input through its harness in this process.</summary>
internal static class Replay
{
    public static int Run(string[] names)
    {
        var root = FuzzRoot();
        var selected = names.Length > 0 ? names : [.. Harnesses.All.Keys];
        int inputs = 0, failures = 0;
        foreach (var name in selected)
        {
            if (!Harnesses.TryFind(name, out var harness))
            {
                return 2;
            }

            // corpus/: seeds and what afl kept; crashes/: inputs that once crashed, kept as regression tests.
            foreach (var folder in new[] { "corpus", "crashes" })
            {
                var directory = Path.Combine(root, folder, name);
                if (!Directory.Exists(directory))
                {
                    continue;
                }

                foreach (var file in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
                {
                    inputs++;
                    try
                    {
                        harness(File.ReadAllBytes(file));
                    }
                    catch (Exception ex)
                    {
                        failures++;
                        Console.Error.WriteLine($"{name}: {Path.GetRelativePath(root, file)}: {ex.GetType().Name}: {ex.Message}");
                        if (Environment.GetEnvironmentVariable("MTRACE_FUZZ_VERBOSE") == "1")
                        {
                            Console.Error.WriteLine(ex.StackTrace);
                        }
                    }
                }
            }
        }

        Console.WriteLine($"replay: {inputs} inputs through {selected.Length} harnesses, {failures} failed");
        return failures == 0 && inputs > 0 ? 0 : 1;
    }

    /// <summary>
    /// Runs the named files through one harness and shows, for each that fails, the exception with its stack and the
    /// input itself (base64, up to 64 KiB), so a crash afl found on a CI machine can be rebuilt from the log alone.
    /// </summary>
    public static int Show(string name, string[] files)
    {
        if (!Harnesses.TryFind(name, out var harness))
        {
            return 2;
        }

        var failures = 0;
        foreach (var file in files)
        {
            var input = File.ReadAllBytes(file);
            try
            {
                harness(input);
                Console.WriteLine($"{name}: {file}: passes outside afl (a crash that needs afl's instrumentation or its memory limit)");
            }
            catch (Exception ex)
            {
                failures++;
                Console.WriteLine($"{name}: {file}: {ex}");
                var shown = input.Length <= 64 * 1024 ? input : input[..(64 * 1024)];
                Console.WriteLine($"{name}: input, {input.Length} bytes{(shown.Length < input.Length ? ", first 64 KiB" : "")}, base64 (decode into crashes/{name}/ to keep it as a regression input):");
                Console.WriteLine(Convert.ToBase64String(shown, Base64FormattingOptions.InsertLineBreaks));
            }
        }

        return failures == 0 ? 0 : 1;
    }

    /// <summary>tests/ModularTrace.Fuzz in the checkout this binary was built from (or MTRACE_FUZZ_ROOT).</summary>
    public static string FuzzRoot()
    {
        if (Environment.GetEnvironmentVariable("MTRACE_FUZZ_ROOT") is { Length: > 0 } root)
        {
            return root;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "ModularTrace.Fuzz");
            if (Directory.Exists(Path.Combine(candidate, "corpus")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("no tests/ModularTrace.Fuzz/corpus above the program; set MTRACE_FUZZ_ROOT");
    }
}
