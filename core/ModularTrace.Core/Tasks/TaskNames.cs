using System.Collections.Concurrent;

namespace ModularTrace.Tasks;

/// <summary>
/// The pid → comm cache trace output resolves task names with (the kernel's <c>saved_cmdlines</c>): records carry
/// only the pid. Bounded; when full, new names are not remembered and print as <c>&lt;...&gt;</c>, as the kernel does.
/// </summary>
public static class TaskNames
{
    private const int Capacity = 65_536;
    private static readonly ConcurrentDictionary<int, string> s_names = new();

    /// <summary>Remembers a task's name.</summary>
    public static void Remember(int pid, string comm)
    {
        if (s_names.Count < Capacity || s_names.ContainsKey(pid))
        {
            s_names[pid] = comm;
        }
    }

    /// <summary>A task's name: <c>&lt;idle&gt;</c> for pid 0, <c>&lt;...&gt;</c> when unknown.</summary>
    public static string Lookup(int pid) => pid == 0 ? "<idle>" : s_names.GetValueOrDefault(pid, "<...>");
}
