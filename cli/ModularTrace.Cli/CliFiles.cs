using ModularTrace.Modules;
using ModularTrace.Signing;

namespace ModularTrace.Cli;

/// <summary>
/// Files a verb was asked to read (modules, pack indexes, ABI snapshots): regular files only, at most the module size
/// limit, within the process-wide read budget (<see cref="RegularFile"/>), refused with the path and an errno name.
/// </summary>
internal static class CliFiles
{
    public static byte[] ReadBytes(string path)
    {
        try
        {
            return RegularFile.ReadAllBytes(path, ModuleFile.MaxBytes);
        }
        catch (RegularFileException ex)
        {
            throw new CliException($"{path}: {ex.Message}", ex.Errno is "EINVAL" or "EISDIR" ? "name a regular file" : null);
        }
    }

    public static string ReadText(string path) => System.Text.Encoding.UTF8.GetString(ReadBytes(path));
}
