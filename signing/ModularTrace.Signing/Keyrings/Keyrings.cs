using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace ModularTrace.Signing;

/// <summary>
/// The host's trusted keys, as the kernel arranges them: builtin (given at construction), secondary (added at run
/// time only when a builtin or secondary key signed the certificate), machine (owner-enrolled with confirmation),
/// and a blacklist of certificate, key and module hashes that wins over all of them.
/// </summary>
/// <remarks>
/// <para>
/// A blacklisted certificate confers no trust anywhere: not as a module's signer and not as the voucher of a secondary
/// certificate. Entries match a certificate by its DER (<c>cert:</c>), by its signed part (<c>tbs:</c>, the kernel's
/// form, which every re-encoding of the same signed certificate shares) and by its public key (<c>key:</c>, the SHA-256
/// of the SubjectPublicKeyInfo, which every certificate for the same key shares). A <c>cert:</c> entry also covers the
/// signed part and the key of a certificate in the rings that it names. The chain of a secondary certificate is
/// checked when it is added, when a keyring directory is loaded and at every verification, so blacklisting a voucher
/// withdraws the trust of everything it vouched for.
/// </para>
/// <para>
/// Not thread-safe for changes: build or change the keyrings first (or under the owner's lock), then share them with
/// verifiers. On disk: <c>DIR/{builtin,secondary,machine}/*.x509</c> (DER or PEM), <c>DIR/blacklist</c> with lines
/// <c>cert:</c>, <c>tbs:</c>, <c>key:</c> or <c>bin:</c> followed by a SHA-256, and an empty <c>DIR/lockdown</c> file
/// when locked.
/// </para>
/// </remarks>
public sealed class Keyrings
{
    private const string BlacklistFile = "blacklist";
    private const string LockdownFile = "lockdown";
    private const int MaxBlacklistBytes = 16 * 1024 * 1024;

    private readonly List<X509Certificate2> _builtin;
    private readonly List<X509Certificate2> _secondary = [];
    private readonly List<X509Certificate2> _machine = [];
    private readonly SortedSet<string> _blacklistedCertificates = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _blacklistedModules = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _blacklistedKeys = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _blacklistedSignedParts = new(StringComparer.Ordinal);
    private readonly List<(string Path, string Reason)> _skipped = [];

    // Whether one certificate's signature was made by another's key never changes: remembered by their DER hashes,
    // because the chain of every secondary certificate is walked again at every verification.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Subject, string Issuer), bool> _signedBy = new();

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

    /// <summary>The secondary keyring (kernel: <c>.secondary_trusted_keys</c>) as held, including certificates the blacklist has since withdrawn; <see cref="All"/> lists the trusted ones.</summary>
    public IReadOnlyList<X509Certificate2> Secondary => _secondary;

    /// <summary>The machine keyring (kernel: <c>.machine</c>).</summary>
    public IReadOnlyList<X509Certificate2> Machine => _machine;

    /// <summary>Blacklisted certificates: SHA-256 of their DER, lower-case hex.</summary>
    public IReadOnlyCollection<string> BlacklistedCertificates => _blacklistedCertificates;

    /// <summary>Blacklisted modules: SHA-256 of their payload (the bytes before the signature), lower-case hex.</summary>
    public IReadOnlyCollection<string> BlacklistedModules => _blacklistedModules;

    /// <summary>Blacklisted keys: SHA-256 of their SubjectPublicKeyInfo DER, lower-case hex. Every certificate for the key is refused.</summary>
    public IReadOnlyCollection<string> BlacklistedKeys => _blacklistedKeys;

    /// <summary>Blacklisted signed certificates: SHA-256 of their TBSCertificate DER (the kernel's <c>tbs:</c> entries).</summary>
    public IReadOnlyCollection<string> BlacklistedSignedParts => _blacklistedSignedParts;

    /// <summary>Secondary certificates found on disk by <see cref="Load(string)"/> but not trusted, because the blacklist covers them or every key that vouches for them (held, so what they signed is refused as blacklisted).</summary>
    public IReadOnlyList<(string Path, string Reason)> Skipped => _skipped;

    /// <summary>Whether run-time additions (secondary and machine) are forbidden; once locked, stays locked.</summary>
    public bool IsLocked { get; private set; }

    /// <summary>Every trusted certificate with its keyring, builtin first: blacklisted ones and secondary ones whose chain the blacklist broke left out.</summary>
    public IEnumerable<(KeyringKind Keyring, X509Certificate2 Certificate)> All =>
        Present.Where(entry => Distrust(entry.Keyring, entry.Certificate) is null);

    // Every certificate the rings hold, trusted or not.
    private IEnumerable<(KeyringKind Keyring, X509Certificate2 Certificate)> Present =>
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
        if (BlacklistReason(certificate) is { } blacklisted)
        {
            return new KeyringUpdate(KeyringUpdateStatus.Blacklisted, $"'{subject}' is blacklisted ({blacklisted})");
        }

        if (Contains(_builtin, certificate) || Contains(_secondary, certificate))
        {
            return new KeyringUpdate(KeyringUpdateStatus.AlreadyPresent, $"'{subject}' is already trusted");
        }

        if (IsLocked)
        {
            return new KeyringUpdate(KeyringUpdateStatus.Locked, "the keyrings are locked down; no key can be added at run time");
        }

        var (voucher, refused) = FindVoucher(certificate, []);
        if (voucher is null)
        {
            return refused is null
                ? new KeyringUpdate(KeyringUpdateStatus.NotVouched, $"'{subject}' is not signed by a builtin or secondary key")
                : new KeyringUpdate(KeyringUpdateStatus.Blacklisted, $"'{subject}' is vouched for only by a key the blacklist refuses: {refused}");
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
        if (BlacklistReason(certificate) is { } blacklisted)
        {
            return new KeyringUpdate(KeyringUpdateStatus.Blacklisted, $"'{subject}' is blacklisted ({blacklisted})");
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

    /// <summary>
    /// Blacklists a certificate: its DER, its signed part and its public key, so neither another encoding of it nor
    /// another certificate for the same key is trusted. Returns false if all three already were.
    /// </summary>
    public bool BlacklistCertificate(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var added = _blacklistedCertificates.Add(CertificateFile.Sha256Hex(certificate));
        added |= _blacklistedKeys.Add(CertificateFile.PublicKeySha256Hex(certificate));
        if (CertificateFile.SignedPartSha256Hex(certificate) is { } tbs)
        {
            added |= _blacklistedSignedParts.Add(tbs);
        }

        return added;
    }

    /// <summary>Blacklists a public key by the SHA-256 of its SubjectPublicKeyInfo DER (64 hex digits); returns false if it already was.</summary>
    /// <exception cref="ArgumentException">Not 64 hex digits.</exception>
    public bool BlacklistKeyHash(string sha256Hex) => _blacklistedKeys.Add(NormalizeHash(sha256Hex));

    /// <summary>Blacklists a signed certificate by the SHA-256 of its TBSCertificate DER (64 hex digits); returns false if it already was.</summary>
    /// <exception cref="ArgumentException">Not 64 hex digits.</exception>
    public bool BlacklistSignedPartHash(string sha256Hex) => _blacklistedSignedParts.Add(NormalizeHash(sha256Hex));

    /// <summary>Blacklists a certificate by the SHA-256 of its DER (64 hex digits); returns false if it already was.</summary>
    /// <exception cref="ArgumentException">Not 64 hex digits.</exception>
    public bool BlacklistCertificateHash(string sha256Hex) => _blacklistedCertificates.Add(NormalizeHash(sha256Hex));

    /// <summary>Blacklists a module by its payload (the bytes before any signature); returns false if it already was.</summary>
    public bool BlacklistModule(ReadOnlySpan<byte> payload) => _blacklistedModules.Add(Convert.ToHexStringLower(SHA256.HashData(payload)));

    /// <summary>Blacklists a module by the SHA-256 of its payload (64 hex digits); returns false if it already was.</summary>
    /// <exception cref="ArgumentException">Not 64 hex digits.</exception>
    public bool BlacklistModuleHash(string sha256Hex) => _blacklistedModules.Add(NormalizeHash(sha256Hex));

    /// <summary>Whether the blacklist covers the certificate: its DER, its signed part or its key.</summary>
    public bool IsBlacklisted(X509Certificate2 certificate) => BlacklistReason(certificate) is not null;

    /// <summary>
    /// Why the blacklist covers <paramref name="certificate"/> (its DER, its signed part or its key, or a <c>cert:</c>
    /// entry for a certificate in the rings with the same signed part or key), or null when it does not.
    /// </summary>
    public string? BlacklistReason(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var der = CertificateFile.Sha256Hex(certificate);
        if (_blacklistedCertificates.Contains(der))
        {
            return $"certificate sha256 {der}";
        }

        var key = CertificateFile.PublicKeySha256Hex(certificate);
        if (_blacklistedKeys.Contains(key))
        {
            return $"public key sha256 {key}";
        }

        var tbs = CertificateFile.SignedPartSha256Hex(certificate);
        if (tbs is not null && _blacklistedSignedParts.Contains(tbs))
        {
            return $"signed certificate (tbs) sha256 {tbs}";
        }

        // A cert: entry names one encoding; any other certificate in the rings with its signed part or its key is the
        // same certificate or the same key and is refused too.
        if (_blacklistedCertificates.Count > 0)
        {
            foreach (var (_, other) in Present)
            {
                var otherDer = CertificateFile.Sha256Hex(other);
                if (otherDer != der && _blacklistedCertificates.Contains(otherDer)
                    && (CertificateFile.PublicKeySha256Hex(other) == key || (tbs is not null && CertificateFile.SignedPartSha256Hex(other) == tbs)))
                {
                    return $"same certificate or key as blacklisted certificate sha256 {otherDer}";
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Why a certificate held in <paramref name="keyring"/> confers no trust now, or null when it does: the blacklist
    /// covers it, or (secondary) no chain of non-blacklisted keys leads from it to a builtin key.
    /// </summary>
    internal string? Distrust(KeyringKind keyring, X509Certificate2 certificate) => Distrust(keyring, certificate, []);

    private string? Distrust(KeyringKind keyring, X509Certificate2 certificate, HashSet<string> visiting)
    {
        if (BlacklistReason(certificate) is { } blacklisted)
        {
            return $"'{CertificateFile.CommonName(certificate)}' is blacklisted ({blacklisted})";
        }

        if (keyring != KeyringKind.Secondary)
        {
            return null;
        }

        var (voucher, refused) = FindVoucher(certificate, visiting);
        return voucher is not null ? null
            : refused is not null ? $"'{CertificateFile.CommonName(certificate)}' is vouched for only by a key the blacklist refuses: {refused}"
            : $"'{CertificateFile.CommonName(certificate)}' is not signed by a builtin or secondary key";
    }

    // A trusted builtin or secondary certificate that signed this one; or, when only distrusted ones did, why the first was refused.
    private (X509Certificate2? Voucher, string? Refused) FindVoucher(X509Certificate2 certificate, HashSet<string> visiting)
    {
        var self = CertificateFile.Sha256Hex(certificate);
        if (!visiting.Add(self))
        {
            return (null, null);
        }

        try
        {
            string? refused = null;
            foreach (var (keyring, candidate) in _builtin.Select(c => (KeyringKind.Builtin, c)).Concat(_secondary.Select(c => (KeyringKind.Secondary, c))))
            {
                var issuer = CertificateFile.Sha256Hex(candidate);
                if (issuer == self || visiting.Contains(issuer)
                    || !_signedBy.GetOrAdd((self, issuer), _ => CertificateSignature.IsSignedBy(certificate, candidate)))
                {
                    continue;
                }

                if (Distrust(keyring, candidate, visiting) is { } why)
                {
                    refused ??= why;
                    continue;
                }

                return (candidate, null);
            }

            return (null, refused);
        }
        finally
        {
            visiting.Remove(self);
        }
    }

    /// <summary>Whether a module payload hash (lower-case hex) is blacklisted.</summary>
    public bool IsModuleBlacklisted(string payloadSha256Hex) => _blacklistedModules.Contains(payloadSha256Hex);

    /// <summary>
    /// Every certificate in the rings a PKCS#7 signer names (issuer+serial, or subject key identifier), trusted or not,
    /// builtin first: the verifier considers all of them, so a second encoding of a blacklisted certificate cannot
    /// stand in for it by being found first.
    /// </summary>
    internal List<(X509Certificate2 Certificate, KeyringKind Keyring)> Candidates(Pkcs7Signer signer) =>
        [.. Present.Where(entry => Matches(signer, entry.Certificate)).Select(entry => (entry.Certificate, entry.Keyring))];

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

        // The blacklist first: it decides which of the certificates below confer trust.
        var blacklist = Path.Combine(directory, BlacklistFile);
        if (File.Exists(blacklist))
        {
            keyrings.ReadBlacklist(blacklist);
        }

        keyrings._machine.AddRange(ReadRing(directory, "machine").Select(entry => entry.Certificate).DistinctBy(CertificateFile.Sha256Hex));

        // Secondary certificates on disk get the same vouching rule as at run time, in any order: a directory
        // anyone could drop a file into must not become a way around it. One the blacklist covers, or whose every
        // voucher it covers, is skipped (reported in Skipped): blacklisting a key must not stop the host from starting.
        var pending = ReadRing(directory, "secondary");
        while (pending.Count > 0)
        {
            var settled = new List<(string Path, X509Certificate2 Certificate)>();
            foreach (var entry in pending)
            {
                var update = keyrings.AddSecondary(entry.Certificate);
                if (update.Succeeded)
                {
                    settled.Add(entry);
                }
                else if (update.Status == KeyringUpdateStatus.Blacklisted)
                {
                    // Held but never trusted: a module it signed is then refused as blacklisted under every policy,
                    // not taken for one by an unknown key (which permissive would load).
                    keyrings._secondary.Add(entry.Certificate);
                    keyrings._skipped.Add((entry.Path, update.Reason));
                    settled.Add(entry);
                }
            }

            if (settled.Count == 0)
            {
                throw new InvalidDataException($"{pending[0].Path}: not signed by a builtin or secondary key");
            }

            pending = [.. pending.Except(settled)];
        }

        if (File.Exists(Path.Combine(directory, LockdownFile)))
        {
            keyrings.Lock();
        }

        return keyrings;
    }

    private void ReadBlacklist(string blacklist)
    {
        var number = 0;
        foreach (var raw in RegularFile.ReadAllText(blacklist, MaxBlacklistBytes).Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            try
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                var hash = colon < 0 ? "" : line[(colon + 1)..];
                _ = (colon < 0 ? "" : line[..colon]) switch
                {
                    "cert" => BlacklistCertificateHash(hash),
                    "tbs" => BlacklistSignedPartHash(hash),
                    "key" => BlacklistKeyHash(hash),
                    "bin" => BlacklistModuleHash(hash),
                    _ => throw new ArgumentException("expected 'cert:', 'tbs:', 'key:' or 'bin:' and a SHA-256"),
                };
            }
            catch (ArgumentException ex)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{blacklist}:{number}: {ex.Message}"), ex);
            }
        }
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
        var text = new StringBuilder("# ModularTrace blacklist: cert:<sha256 of certificate DER>, tbs:<sha256 of its TBSCertificate>, key:<sha256 of its SubjectPublicKeyInfo>, bin:<sha256 of module payload>\n");
        foreach (var (prefix, hashes) in new[] { ("cert:", _blacklistedCertificates), ("tbs:", _blacklistedSignedParts), ("key:", _blacklistedKeys), ("bin:", _blacklistedModules) })
        {
            foreach (var hash in hashes)
            {
                text.Append(prefix).Append(hash).Append('\n');
            }
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
