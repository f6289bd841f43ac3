using System.Text;
using ModularTrace.Signing;

namespace ModularTrace.Fuzz;

/// <summary>
/// Writes small seed corpora: a module signed by a throwaway key (only its public certificate is kept, as
/// <c>trusted.x509</c>, so the trailer harness reaches the valid path), tiny manifests, filters and symvers lines.
/// </summary>
internal static class Seeds
{
    public static void Generate(string root)
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

        Write(root, "manifest", "not-pe", "MZ"u8.ToArray());
        var module = Path.Combine(root, "..", "TestModules", "ModularTrace.Module.TestUnsigned", "bin", "Debug", "net10.0", "ModularTrace.Module.TestUnsigned.dll");
        if (File.Exists(module))
        {
            Write(root, "manifest", "test-unsigned-module", File.ReadAllBytes(module));
        }

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

        Write(root, "symvers", "two-hooks", "0x1a2b3c4d\tsched_switch\tvoid sched_switch(string prev_comm, int prev_pid)\n0x00000001\tvfs_read\tvoid vfs_read(int fd)\n"u8.ToArray());
        Write(root, "symvers", "bad-line", "0xZZ\tname\n"u8.ToArray());
    }

    private static void Write(string root, string harness, string name, byte[] bytes)
    {
        var directory = Directory.CreateDirectory(Path.Combine(root, "corpus", harness));
        File.WriteAllBytes(Path.Combine(directory.FullName, name), bytes);
        Console.WriteLine($"{harness}/{name}: {bytes.Length} bytes");
    }
}
