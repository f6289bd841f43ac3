using System.Diagnostics.CodeAnalysis;

namespace ModularTrace.Signing;

/// <summary>The outcome of checking a module's appended signature, one value per kernel errno class.</summary>
public enum SignatureStatus
{
    /// <summary>The signature is well formed, made by a key in a keyring, and matches the module bytes.</summary>
    Valid,

    /// <summary>No signature marker at the end of the file (kernel: -ENODATA).</summary>
    [SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The kernel's word for a module without signature.")]
    Unsigned,

    /// <summary>The trailer or the PKCS#7 message is malformed (kernel: -EBADMSG).</summary>
    Malformed,

    /// <summary>The signature uses an identifier type, digest or algorithm we do not support (kernel: -ENOPKG).</summary>
    UnsupportedCrypto,

    /// <summary>No keyring holds the key the signature names (kernel: -ENOKEY).</summary>
    UnknownKey,

    /// <summary>The signature was made by a known key but does not match the module bytes (kernel: -EKEYREJECTED).</summary>
    BadSignature,

    /// <summary>The signing key or the module's hash is on the blacklist (kernel: -EKEYREJECTED).</summary>
    Blacklisted,
}

/// <summary>Maps <see cref="SignatureStatus"/> to the kernel's names for the same outcomes.</summary>
public static class SignatureStatusExtensions
{
    /// <summary>The kernel errno name for the status (<c>""</c> for <see cref="SignatureStatus.Valid"/>).</summary>
    public static string ToErrno(this SignatureStatus status) => status switch
    {
        SignatureStatus.Valid => "",
        SignatureStatus.Unsigned => "ENODATA",
        SignatureStatus.Malformed => "EBADMSG",
        SignatureStatus.UnsupportedCrypto => "ENOPKG",
        SignatureStatus.UnknownKey => "ENOKEY",
        SignatureStatus.BadSignature or SignatureStatus.Blacklisted => "EKEYREJECTED",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown signature status"),
    };

    /// <summary>A short lower-case name for the status, as the CLI prints it: <c>valid</c>, <c>unsigned</c>, <c>unknown key</c>, ...</summary>
    public static string ToDisplayName(this SignatureStatus status) => status switch
    {
        SignatureStatus.Valid => "valid",
        SignatureStatus.Unsigned => "unsigned",
        SignatureStatus.Malformed => "malformed",
        SignatureStatus.UnsupportedCrypto => "unsupported crypto",
        SignatureStatus.UnknownKey => "unknown key",
        SignatureStatus.BadSignature => "bad signature",
        SignatureStatus.Blacklisted => "blacklisted",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown signature status"),
    };
}
