using System.Text;
using ModularTrace.Control;
using ModularTrace.Signing;

namespace ModularTrace.Fuzz;

/// <summary>
/// Writes small seed corpora: a module signed by a throwaway key (only its public certificate is kept, as
/// <c>trusted.x509</c>, so the trailer harness reaches the valid path), tiny manifests, filters and symvers lines.
/// </summary>
internal static class Seeds
{
    // One seed writer per harness, in Harnesses.All's order.
    private static readonly (string Harness, Action<string> Write)[] s_writers =
    [
        ("trailer", Trailer),
        ("manifest", Manifest),
        ("filter", Filter),
        ("symvers", Symvers),
        ("dynamic", Dynamic),
        ("format", Format),
        ("control", Control),
    ];

    public static void Generate(string root, IReadOnlyCollection<string> harnesses)
    {
        foreach (var (harness, write) in s_writers)
        {
            if (harnesses.Count == 0 || harnesses.Contains(harness))
            {
                write(root);
            }
        }
    }

    private static void Symvers(string root)
    {
        Write(root, "symvers", "two-hooks", "0x1a2b3c4d\tsched_switch\tvoid sched_switch(string prev_comm, int prev_pid)\n0x00000001\tvfs_read\tvoid vfs_read(int fd)\n"u8.ToArray());
        Write(root, "symvers", "bad-line", "0xZZ\tname\n"u8.ToArray());
    }

    private static void Trailer(string root)
    {
        // The private key lives only in this process: it signs the seed and is gone.
        using (var key = KeyGenerator.Generate(new KeyGenerationOptions { Algorithm = SigningKeyAlgorithm.EcdsaP256, Subject = "ModularTrace fuzz seed key (throwaway)" }))
        {
            File.WriteAllBytes(Path.Combine(root, "trusted.x509"), key.Certificate.RawData);
            var payload = Encoding.ASCII.GetBytes("MZ\x90\0 a tiny module payload for the fuzzer\n");
            Write(root, "trailer", "signed-p256-sha256", ModuleSigner.Sign(payload, key.PrivateKey, key.Certificate, "sha256"));
            Write(root, "trailer", "signed-p256-sha384-keyid", ModuleSigner.Sign(payload, key.PrivateKey, key.Certificate, "sha384", useSubjectKeyId: true));
            Write(root, "trailer", "unsigned", payload);
            Write(root, "trailer", "marker-only", AppendedSignature.Marker.ToArray());
        }
    }

    private static void Manifest(string root)
    {
        Write(root, "manifest", "not-pe", "MZ"u8.ToArray());
        var module = Path.Combine(root, "..", "TestModules", "ModularTrace.Module.TestUnsigned", "bin", "Debug", "net10.0", "ModularTrace.Module.TestUnsigned.dll");
        if (File.Exists(module))
        {
            Write(root, "manifest", "test-unsigned-module", File.ReadAllBytes(module));
        }
    }

    private static void Filter(string root)
    {
        string[] filters =
        [
            "pid < 100",
            "comm ~ \"kwork*\" && !(cpu == 1)",
            "(delta < 0 || flag & 2) && ok == 1",
            "name == \"sshd\" || name != \"bash\"",
            "pid >= 0x10 && pid <= 077",
            "comm == 'x",
        ];
        for (var i = 0; i < filters.Length; i++)
        {
            Write(root, "filter", $"filter-{i}", Encoding.UTF8.GetBytes(filters[i]));
        }
    }

    private static void Dynamic(string root)
    {
        string[] specs =
        [
            "sched_switch(prev_comm, prev_pid)",
            "t:sched/switch2=sched_switch(string prev_comm, x64 prev_state)",
            "ints(u8 b, s8 sb, x16 sh, unsigned us, int i, u32 ui, long l, u64 ul)",
            "misc(string s, char c, bool f)",
            "tick()",
            "grp/ev=ints(s16 b",
            "f:Some.Type.Method()",
        ];
        for (var i = 0; i < specs.Length; i++)
        {
            Write(root, "dynamic", $"spec-{i}", Encoding.UTF8.GetBytes(specs[i]));
        }
    }

    private static void Format(string root)
    {
        // The template line, then the record after its event id: flags, preempt count, pid, cpu, then the fields.
        var record = new byte[48];
        BitConverter.TryWriteBytes(record.AsSpan(2), 42);
        "kworker/0:1"u8.CopyTo(record.AsSpan(10));
        Write(root, "format", "all-fields", [.. "comm={comm} pid={pid} cpu={cpu:x} delta={delta} flag={flag} ok={ok} name={name}\n"u8, .. record]);
        Write(root, "format", "literal-braces", "{{literal}} %s \"quoted\" {pid:x}\n"u8.ToArray());
        Write(root, "format", "unknown-field", "{nope}\n"u8.ToArray());
    }

    private static void Control(string root)
    {
        static byte[] Frame(string json) => ControlFrame.Encode(Encoding.UTF8.GetBytes(json));
        var hello = Frame("""{"op":"hello","protocol":1,"client":"fuzz"}""");
        Write(root, "control", "hello-lsmod", [.. hello, .. Frame("""{"op":"lsmod"}""")]);
        Write(root, "control", "hello-events-enable", [.. hello, .. Frame("""{"op":"events"}"""), .. Frame("""{"op":"enable","selector":"fuzz:ev"}""")]);
        Write(root, "control", "hello-filter", [.. hello, .. Frame("""{"op":"filter","selector":"fuzz:ev","expr":"pid < 10 && comm ~ \"k*\""}""")]);
        Write(root, "control", "hello-trigger", [.. hello, .. Frame("""{"op":"trigger","selector":"fuzz:ev","trigger":"hist:keys=pid"}""")]);
        Write(root, "control", "hello-stat-trace", [.. hello, .. Frame("""{"op":"stat"}"""), .. Frame("""{"op":"trace","max_events":5}""")]);
        Write(root, "control", "hello-insmod", [.. hello, .. Frame("""{"op":"insmod","path":"/nonexistent/m.dll"}""")]);
        Write(root, "control", "hello-pipe", [.. hello, .. Frame("""{"op":"trace_pipe","max_events":1}""")]);
        Write(root, "control", "no-hello", Frame("""{"op":"lsmod"}"""));
        Write(root, "control", "too-large", [0x7f, 0xff, 0xff, 0xff]);
    }

    private static void Write(string root, string harness, string name, byte[] bytes)
    {
        var directory = Directory.CreateDirectory(Path.Combine(root, "corpus", harness));
        File.WriteAllBytes(Path.Combine(directory.FullName, name), bytes);
        Console.WriteLine($"{harness}/{name}: {bytes.Length} bytes");
    }
}
