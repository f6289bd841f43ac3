using ModularTrace.Fuzz;
using SharpFuzz;

// mtrace-fuzz HARNESS                 afl++ child: one input on stdin per run (SharpFuzz's out-of-process fork server)
// mtrace-fuzz --replay [HARNESS...]   every corpus/ and crashes/ input through its harness, in-process, no afl needed
// mtrace-fuzz --show HARNESS FILE...   the given inputs through HARNESS: each failure's exception, stack and base64 input
// mtrace-fuzz --generate DIR [HARNESS...]  writes the seed corpora (all, or those named) and the public certificate the trailer harness trusts
// mtrace-fuzz --list                  harness names
if (args.Length == 0)
{
    Console.Error.WriteLine($"usage: mtrace-fuzz HARNESS | --replay [HARNESS...] | --show HARNESS FILE... | --generate DIR [HARNESS...] | --list\nharnesses: {string.Join(", ", Harnesses.All.Keys)}");
    return 2;
}

switch (args[0])
{
    case "--list":
        Console.WriteLine(string.Join('\n', Harnesses.All.Keys));
        return 0;
    case "--replay":
        return Replay.Run(args[1..]);
    case "--show" when args.Length >= 3:
        return Replay.Show(args[1], args[2..]);
    case "--generate" when args.Length >= 2:
        Seeds.Generate(args[1], args[2..]);
        return 0;
}

if (!Harnesses.TryFind(args[0], out var harness))
{
    return 2;
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    harness(buffer.ToArray());
});
return 0;
