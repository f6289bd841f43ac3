namespace ModularTrace.Cli;

/// <summary>Finds the ModularTrace checkout (the directory holding <c>ModularTrace.sln</c>) and the paths the CLI defaults to in it.</summary>
internal static class RepoPaths
{
    public const string SolutionFile = "ModularTrace.sln";

    /// <summary>The checkout root above <paramref name="start"/> (default: the current directory), or null.</summary>
    public static string? FindRoot(string? start = null)
    {
        for (var directory = new DirectoryInfo(start ?? Directory.GetCurrentDirectory()); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, SolutionFile)))
            {
                return directory.FullName;
            }
        }

        return null;
    }

    /// <summary>The checkout root, or a CLI error saying what was looked for and which option to use instead.</summary>
    public static string RequireRoot(string instead) => FindRoot() ?? throw new CliException(
        $"not inside a ModularTrace checkout: no {SolutionFile} in {Directory.GetCurrentDirectory()} or above",
        $"run from the repository, or pass {instead}");

    /// <summary>The checkout root for a verb that has no way around one (the demo builds the sample modules from it).</summary>
    public static string RequireCheckout(string why) => FindRoot() ?? throw new CliException(
        $"not inside a ModularTrace checkout: no {SolutionFile} in {Directory.GetCurrentDirectory()} or above",
        $"cd into a clone of the ModularTrace repository first: {why}");

    /// <summary><c>keys/</c> in the checkout: the development key pair.</summary>
    public static string KeysDirectory(string root) => Path.Combine(root, "keys");

    /// <summary><c>keys/keyrings/</c> in the checkout: the default keyring directory (git-ignored).</summary>
    public static string KeyringDirectory(string root) => Path.Combine(root, "keys", "keyrings");
}
