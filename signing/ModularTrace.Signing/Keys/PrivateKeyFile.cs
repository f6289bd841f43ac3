using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Text;

namespace ModularTrace.Signing;

/// <summary>A private key read from a file, with a warning when the file's permissions expose it.</summary>
/// <param name="Key">The RSA or ECDSA key; the caller disposes it.</param>
/// <param name="Warning">One line when group or others can read the file (the kernel does not check; we say so), else null.</param>
public sealed record LoadedPrivateKey(AsymmetricAlgorithm Key, string? Warning);

/// <summary>Reads RSA and ECDSA private keys from PEM (<c>PRIVATE KEY</c>, <c>RSA PRIVATE KEY</c>, <c>EC PRIVATE KEY</c>) or DER PKCS#8.</summary>
public static class PrivateKeyFile
{
    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcOid = "1.2.840.10045.2.1";

    /// <summary>Reads the first private key in <paramref name="path"/>; a combined <c>signing_key.pem</c> (key then certificate) works.</summary>
    /// <exception cref="InvalidDataException">No usable private key; the message names the file.</exception>
    public static LoadedPrivateKey Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        AsymmetricAlgorithm key;
        try
        {
            key = Parse(RegularFile.ReadAllBytes(path, CertificateFile.MaxBytes, "key size limit"));
        }
        catch (RegularFileException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }

        string? warning = null;
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            const UnixFileMode exposed = UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
            if ((mode & exposed) != 0)
            {
                warning = $"private key {path} is accessible by group or others (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}); run 'chmod 600 {path}'";
            }
        }

        return new LoadedPrivateKey(key, warning);
    }

    /// <summary>Parses a private key from PEM text or DER PKCS#8 bytes.</summary>
    /// <exception cref="InvalidDataException">No usable private key.</exception>
    public static AsymmetricAlgorithm Parse(ReadOnlySpan<byte> bytes)
    {
        try
        {
            if (bytes.Length > 0 && bytes[0] == 0x30)
            {
                return FromPkcs8(bytes.ToArray());
            }

            foreach (var (label, der) in Pem.Blocks(Encoding.ASCII.GetString(bytes)))
            {
                switch (label)
                {
                    case "PRIVATE KEY":
                        return FromPkcs8(der);
                    case "RSA PRIVATE KEY":
                        var rsa = RSA.Create();
                        rsa.ImportRSAPrivateKey(der, out _);
                        return rsa;
                    case "EC PRIVATE KEY":
                        var ecdsa = ECDsa.Create();
                        ecdsa.ImportECPrivateKey(der, out _);
                        return ecdsa;
                    case "ENCRYPTED PRIVATE KEY":
                        throw new InvalidDataException("the private key is encrypted; give an unencrypted key (as the kernel's build does)");
                    default:
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is CryptographicException or AsnContentException or FormatException)
        {
            throw new InvalidDataException("not a valid private key: " + KernelPkcs7.OneLine(ex.Message), ex);
        }

        throw new InvalidDataException("no private key (PEM PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block)");
    }

    private static AsymmetricAlgorithm FromPkcs8(byte[] der)
    {
        var info = Pkcs8PrivateKeyInfo.Decode(der, out _, skipCopy: true);
        switch (info.AlgorithmId.Value)
        {
            case RsaOid:
                var rsa = RSA.Create();
                rsa.ImportPkcs8PrivateKey(der, out _);
                return rsa;
            case EcOid:
                var ecdsa = ECDsa.Create();
                ecdsa.ImportPkcs8PrivateKey(der, out _);
                return ecdsa;
            default:
                throw new InvalidDataException($"unsupported private key algorithm {info.AlgorithmId.Value} (RSA or ECDSA)");
        }
    }
}
