using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace ModularTrace.Signing;

/// <summary>
/// The host's trusted keys, as the kernel arranges them: builtin (given at construction), secondary (added at run
/// time only when a builtin or secondary key signed the certificate), machine (owner-enrolled with confirmation),
/// and a blacklist of certificate and module hashes that wins over all of them.
/// </summary>
/// <remarks>
/// Not thread-safe: build or change the keyrings first, then share them read-only with verifiers.
/// On disk: <c>DIR/{builtin,secondary,machine}/*.x509</c> (DER or PEM), <c>DIR/blacklist</c> with lines
/// <c>cert:&lt;sha256&gt;</c> / <c>bin:&lt;sha256&gt;</c>, and an empty <c>DIR/lockdown</c> file when locked.
/// </remarks>
public sealed class Keyrings
{
    private const string BlacklistFile = "blacklist";
    private const string LockdownFile = "lockdown";

    private readonly List<X509Certificate2> _builtin;
    private readonly List<X509Certificate2> _secondary = [];
    private readonly List<X509Certificate2> _machine = [];
    private readonly SortedSet<string> _blacklistedCertificates = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _blacklistedModules = new(StringComparer.Ordinal);

    /// <summary>Empty keyrings: every signed module then has an unknown key.</summary>
    public Keyrings()
        : this([])
    {
    }

    /// <summary>Keyrings whose builtin ring holds <paramref name="builtin"/> (the host's baked-in certificates).</summary>
    public Keyrings(IEnumerable<X509Certificate2> builtin)
    {
        ArgumentNullException.ThrowIfNull(builtin);
        _builtin = [];
        foreach (var certificate in builtin)
        {
            ArgumentNullException.ThrowIfNull(certificate, nameof(builtin));
            if (!Contains(_builtin, certificate))
            {
                _builtin.Add(certificate);
            }
        }
    }

    /// <summary>The builtin keyring (kernel: <c>.builtin_trusted_keys</c>).</summary>
    public IReadOnlyList<X509Certificate2> Builtin => _builtin;

    /// <summary>The secondary keyring (kernel: <c>.secondary_trusted_keys</c>).</summary>
    public IReadOnlyList<X509Certificate2> Secondary => _secondary;

    /// <summary>The machine keyring (kernel: <c>.machine</c>).</summary>
    public IReadOnlyList<X509Certificate2> Machine => _machine;

    /// <summary>Blacklisted certificates: SHA-256 of their DER, lower-case hex.</summary>
    public IReadOnlyCollection<string> BlacklistedCertificates => _blacklistedCertificates;

    /// <summary>Blacklisted modules: SHA-256 of their payload (the bytes before the signature), lower-case hex.</summary>
    public IReadOnlyCollection<string> BlacklistedModules => _blacklistedModules;

    /// <summary>Whether run-time additions (secondary and machine) are forbidden; once locked, stays locked.</summary>
    public bool IsLocked { get; private set; }

    /// <summary>Every trusted certificate with its keyring, builtin first.</summary>
    public IEnumerable<(KeyringKind Keyring, X509Certificate2 Certificate)> All =>
        _builtin.Select(c => (KeyringKind.Builtin, c))
            .Concat(_secondary.Select(c => (KeyringKind.Secondary, c)))
            .Concat(_machine.Select(c => (KeyringKind.Machine, c)));

    /// <summary>Forbids further secondary additions and machine enrolments (lockdown). There is no unlock.</summary>
    public void Lock() => IsLocked = true;

    /// <summary>Adds a certificate to the secondary keyring if a builtin or secondary key signed it.</summary>
    public KeyringUpdate AddSecondary(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var subject = CertificateFile.CommonName(certificate);
        if (IsBlacklisted(certificate))
        {
            return new KeyringUpdate(KeyringUpdateStatus.Blacklisted, $"'{subject}' is blacklisted");
        }

        if (Contains(_builtin, certificate) || Contains(_secondary, certificate))
        {
            return new KeyringUpdate(KeyringUpdateStatus.AlreadyPresent, $"'{subject}' is already trusted");
        }

        if (IsLocked)
        {
            return new KeyringUpdate(KeyringUpdateStatus.Locked, "the keyrings are locked down; no key can be added at run time");
        }

        var voucher = _builtin.Concat(_secondary).FirstOrDefault(trusted => CertificateSignature.IsSignedBy(certificate, trusted));
        if (voucher is null)
        {
            return new KeyringUpdate(KeyringUpdateStatus.NotVouched, $"'{subject}' is not signed by a builtin or secondary key");
        }

        _secondary.Add(certificate);
        return new KeyringUpdate(KeyringUpdateStatus.Added, $"'{subject}' added, vouched for by '{CertificateFile.CommonName(voucher)}'");
    }

    /// <summary>
    /// Enrols a certificate in the machine keyring, as MOK does: only when <paramref name="confirm"/> (the machine
    /// owner) returns true for it, and never when locked down.
    /// </summary>
    public KeyringUpdate Enroll(X509Certificate2 certificate, Func<X509Certificate2, bool> confirm)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(confirm);
        var subject = CertificateFile.CommonName(certificate);
        if (IsBlacklisted(certificate))
        {
            return new KeyringUpdate(KeyringUpdateStatus.Blacklisted, $"'{subject}' is blacklisted");
        }

        if (Contains(_machine, certificate))
        {
            return new KeyringUpdate(KeyringUpdateStatus.AlreadyPresent, $"'{subject}' is already in the machine keyring");
        }

        if (IsLocked)
        {
            return new KeyringUpdate(KeyringUpdateStatus.Locked, "the keyrings are locked down; no key can be enrolled at run time");
        }

        if (!confirm(certificate))
        {
            return new KeyringUpdate(KeyringUpdateStatus.NotConfirmed, $"enrolment of '{subject}' was not confirmed");
        }

        _machine.Add(certificate);
        return new KeyringUpdate(KeyringUpdateStatus.Added, $"'{subject}' enrolled into the machine keyring");
    }

    /// <summary>Blacklists a certificate; returns false if it already was.</summary>
    public bool BlacklistCertificate(X509Certificate2 certificate) => BlacklistCertificateHash(CertificateFile.Sha256Hex(certificate));

    /// <summary>Blacklists a certificate by the SHA-256 of its DER (64 hex digits); returns false if it already was.</summary>
    /// <exception cref="ArgumentException">Not 64 hex digits.</exception>
    public bool BlacklistCertificateHash(string sha256Hex) => _blacklistedCertificates.Add(NormalizeHash(sha256Hex));

    /// <summary>Blacklists a module by its payload (the bytes before any signature); returns false if it already was.</summary>
    public bool BlacklistModule(ReadOnlySpan<byte> payload) => _blacklistedModules.Add(Convert.ToHexStringLower(SHA256.HashData(payload)));

    /// <summary>Blacklists a module by the SHA-256 of its payload (64 hex digits); returns false if it already was.</summary>
    /// <exception cref="ArgumentException">Not 64 hex digits.</exception>
    public bool BlacklistModuleHash(string sha256Hex) => _blacklistedModules.Add(NormalizeHash(sha256Hex));

    /// <summary>Whether the certificate is blacklisted.</summary>
    public bool IsBlacklisted(X509Certificate2 certificate) => _blacklistedCertificates.Contains(CertificateFile.Sha256Hex(certificate));

    /// <summary>Whether a module payload hash (lower-case hex) is blacklisted.</summary>
    public bool IsModuleBlacklisted(string payloadSha256Hex) => _blacklistedModules.Contains(payloadSha256Hex);

    /// <summary>Finds the trusted certificate a PKCS#7 signer names (issuer+serial, or subject key identifier).</summary>
    internal (X509Certificate2 Certificate, KeyringKind Keyring)? Find(Pkcs7Signer signer)
    {
        foreach (var (keyring, certificate) in All)
        {
            if (Matches(signer, certificate))
            {
                return (certificate, keyring);
            }
        }

        return null;
    }

    /// <summary>Loads keyrings from <paramref name="directory"/>; missing parts are empty.</summary>
    /// <exception cref="InvalidDataException">A certificate or blacklist line is malformed, or a secondary certificate is not vouched for; the message names the file.</exception>
    public static Keyrings Load(string directory) => Load(directory, []);

    /// <summary>Loads keyrings from <paramref name="directory"/>, with <paramref name="additionalBuiltin"/> trusted as builtin too.</summary>
    /// <exception cref="InvalidDataException">A certificate or blacklist line is malformed, or a secondary certificate is not vouched for; the message names the file.</exception>
    public static Keyrings Load(string directory, IEnumerable<X509Certificate2> additionalBuiltin)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(additionalBuiltin);
        var keyrings = new Keyrings(ReadRing(directory, "builtin").Select(entry => entry.Certificate).Concat(additionalBuiltin));

        // Secondary certificates on disk get the same vouching rule as at run time, in any order: a directory
        // anyone could drop a file into must not become a way around it.
        var pending = ReadRing(directory, "secondary");
        while (pending.Count > 0)
        {
            var added = pending.Where(entry => keyrings.AddSecondary(entry.Certificate).Succeeded).ToList();
            if (added.Count == 0)
            {
                throw new InvalidDataException($"{pending[0].Path}: not signed by a builtin or secondary key");
            }

            pending = [.. pending.Except(added)];
        }

        keyrings._machine.AddRange(ReadRing(directory, "machine").Select(entry => entry.Certificate).DistinctBy(CertificateFile.Sha256Hex));
        var blacklist = Path.Combine(directory, BlacklistFile);
        if (File.Exists(blacklist))
        {
            var number = 0;
            foreach (var raw in File.ReadAllLines(blacklist))
            {
                number++;
                var line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#'))
                {
                    continue;
                }

                try
                {
                    _ = line switch
                    {
                        _ when line.StartsWith("cert:", StringComparison.Ordinal) => keyrings.BlacklistCertificateHash(line[5..]),
                        _ when line.StartsWith("bin:", StringComparison.Ordinal) => keyrings.BlacklistModuleHash(line[4..]),
                        _ => throw new ArgumentException("expected 'cert:<sha256>' or 'bin:<sha256>'"),
                    };
                }
                catch (ArgumentException ex)
                {
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{blacklist}:{number}: {ex.Message}"), ex);
                }
            }
        }

        if (File.Exists(Path.Combine(directory, LockdownFile)))
        {
            keyrings.Lock();
        }

        return keyrings;
    }

    /// <summary>
    /// Saves the keyrings to <paramref name="directory"/>: writes each certificate not yet there as
    /// <c>&lt;sha256&gt;.x509</c> (DER), rewrites the blacklist, and marks lockdown. Never deletes a certificate file:
    /// keys leave trust through the blacklist, as in the kernel.
    /// </summary>
    public void Save(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        WriteRing(directory, "builtin", _builtin);
        WriteRing(directory, "secondary", _secondary);
        WriteRing(directory, "machine", _machine);
        var text = new StringBuilder("# ModularTrace blacklist: cert:<sha256 of certificate DER> or bin:<sha256 of module payload>\n");
        foreach (var hash in _blacklistedCertificates)
        {
            text.Append("cert:").Append(hash).Append('\n');
        }

        foreach (var hash in _blacklistedModules)
        {
            text.Append("bin:").Append(hash).Append('\n');
        }

        File.WriteAllText(Path.Combine(directory, BlacklistFile), text.ToString());
        if (IsLocked)
        {
            File.WriteAllBytes(Path.Combine(directory, LockdownFile), []);
        }
    }

    private static bool Matches(Pkcs7Signer signer, X509Certificate2 certificate)
    {
        if (signer.SubjectKeyId is { } ski)
        {
            return certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault() is { } extension
                && extension.SubjectKeyIdentifierBytes.Span.SequenceEqual(ski);
        }

        return signer.Issuer.AsSpan().SequenceEqual(certificate.IssuerName.RawData)
            && signer.Serial.AsSpan().SequenceEqual(certificate.SerialNumberBytes.Span);
    }

    private static bool Contains(List<X509Certificate2> ring, X509Certificate2 certificate)
        => ring.Exists(existing => existing.RawData.AsSpan().SequenceEqual(certificate.RawData));

    private static string NormalizeHash(string sha256Hex)
    {
        ArgumentNullException.ThrowIfNull(sha256Hex);
        var hash = sha256Hex.Trim().ToLowerInvariant();
        if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException($"'{sha256Hex}' is not a SHA-256 hash (64 hex digits)", nameof(sha256Hex));
        }

        return hash;
    }

    private static List<(string Path, X509Certificate2 Certificate)> ReadRing(string directory, string name)
    {
        var ring = Path.Combine(directory, name);
        if (!Directory.Exists(ring))
        {
            return [];
        }

        return [.. Directory.GetFiles(ring, "*.x509").Order(StringComparer.Ordinal).Select(path => (path, CertificateFile.Load(path)))];
    }

    private static void WriteRing(string directory, string name, List<X509Certificate2> certificates)
    {
        var ring = Path.Combine(directory, name);
        Directory.CreateDirectory(ring);
        var present = ReadRing(directory, name).Select(entry => CertificateFile.Sha256Hex(entry.Certificate)).ToHashSet(StringComparer.Ordinal);
        foreach (var certificate in certificates)
        {
            var hash = CertificateFile.Sha256Hex(certificate);
            if (present.Add(hash))
            {
                File.WriteAllBytes(Path.Combine(ring, hash + ".x509"), certificate.RawData);
            }
        }
    }
}
