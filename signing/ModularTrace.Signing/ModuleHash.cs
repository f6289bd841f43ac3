using System.Security.Cryptography;

namespace ModularTrace.Signing;

/// <summary>The digests a module signature may use, by the names sign-file takes (OpenSSL's).</summary>
internal static class ModuleHash
{
    public static readonly string[] Names = ["sha256", "sha384", "sha512"];

    public static bool TryGet(string name, out HashAlgorithmName hash, out string oid)
    {
        (hash, oid) = name.ToLowerInvariant() switch
        {
            "sha256" => (HashAlgorithmName.SHA256, "2.16.840.1.101.3.4.2.1"),
            "sha384" => (HashAlgorithmName.SHA384, "2.16.840.1.101.3.4.2.2"),
            "sha512" => (HashAlgorithmName.SHA512, "2.16.840.1.101.3.4.2.3"),
            _ => (default, ""),
        };
        return oid.Length > 0;
    }
}
