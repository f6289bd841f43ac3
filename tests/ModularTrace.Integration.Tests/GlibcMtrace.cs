namespace ModularTrace.Integration.Tests;

/// <summary>
/// glibc's <c>mtrace</c> (the malloc-trace Perl script of Debian's libc-devtools), put first on a test's PATH: the
/// program a bare <c>mtrace</c> finds on such a machine. Where libc-devtools is not installed, a stand-in answers as
/// the script does (its version banner; 'Wrong number of arguments' and exit 255 otherwise).
/// </summary>
internal static class GlibcMtrace
{
    public const string SystemPath = "/usr/bin/mtrace";

    /// <summary>Creates <paramref name="directory"/> holding an executable <c>mtrace</c> that is glibc's, or acts like it.</summary>
    public static void Install(string directory)
    {
        Directory.CreateDirectory(directory);
        var target = Path.Combine(directory, "mtrace");
        if (File.Exists(SystemPath) && File.ReadAllText(SystemPath).Contains("GLIBC", StringComparison.Ordinal))
        {
            File.CreateSymbolicLink(target, SystemPath);
            return;
        }

        File.WriteAllText(target, """
            #!/bin/sh
            if [ "$1" = --version ]; then echo 'mtrace (Debian GLIBC 2.36-9) 2.36'; echo 'Copyright (C) 2022 Free Software Foundation, Inc.'; exit 0; fi
            echo "Wrong number of arguments, run $0 --help for help." >&2
            exit 255

            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
