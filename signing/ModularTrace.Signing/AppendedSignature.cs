using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace ModularTrace.Signing;

/// <summary>
/// The kernel's appended module signature layout, as <c>scripts/sign-file</c> writes it:
/// <c>module bytes | PKCS#7 (CMS) DER | struct module_signature (12 bytes) | "~Module signature appended~\n"</c>.
/// </summary>
/// <remarks>
/// Parsing works on bytes the caller already holds: verify the same buffer that is later loaded, never a file
/// opened a second time. The rules are the kernel's <c>mod_check_sig()</c>, made stricter where the kernel relies
/// on its ASN.1 decoder (<c>sig_len</c> of 0, an empty payload, a marker-only file).
/// </remarks>
public sealed class AppendedSignature
{
    /// <summary>Length of <see cref="Marker"/>.</summary>
    public const int MarkerLength = 28;

    /// <summary>Length of <c>struct module_signature</c>.</summary>
    public const int InfoLength = 12;

    /// <summary>The shortest file that can carry a signature: the info block plus the marker.</summary>
    public const int TrailerLength = InfoLength + MarkerLength;

    /// <summary>The <c>id_type</c> value for a PKCS#7 message (kernel: <c>PKEY_ID_PKCS7</c>).</summary>
    public const byte IdTypePkcs7 = 2;

    private static readonly string[] s_reservedNames = ["algo", "hash", "id_type", "signer_len", "key_id_len", "pad[0]", "pad[1]", "pad[2]"];

    private AppendedSignature(ReadOnlyMemory<byte> payload, ReadOnlyMemory<byte> pkcs7)
    {
        Payload = payload;
        Pkcs7 = pkcs7;
    }

    /// <summary>The marker the kernel looks for at the very end of the file (<c>MODULE_SIG_STRING</c>).</summary>
    public static ReadOnlySpan<byte> Marker => "~Module signature appended~\n"u8;

    /// <summary>The module bytes the signature covers (everything before the PKCS#7 message).</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The PKCS#7 message: exactly <c>sig_len</c> bytes, not yet checked as DER or CMS.</summary>
    public ReadOnlyMemory<byte> Pkcs7 { get; }

    /// <summary>Whether the file ends with <see cref="Marker"/> (the kernel's only test for "signed").</summary>
    public static bool HasMarker(ReadOnlySpan<byte> file) => file.EndsWith(Marker);

    /// <summary>
    /// Splits a signed file into payload and PKCS#7 message, checking the trailer as the kernel does.
    /// Returns false with <see cref="SignatureStatus.Unsigned"/>, <see cref="SignatureStatus.Malformed"/> or
    /// <see cref="SignatureStatus.UnsupportedCrypto"/> and a one-line reason; never throws for bad input.
    /// </summary>
    public static bool TryParse(
        ReadOnlyMemory<byte> file,
        [NotNullWhen(true)] out AppendedSignature? signature,
        out SignatureStatus failure,
        out string reason)
    {
        signature = null;
        var span = file.Span;
        if (!HasMarker(span))
        {
            failure = SignatureStatus.Unsigned;
            reason = "module is unsigned";
            return false;
        }

        failure = SignatureStatus.Malformed;
        if (span.Length < TrailerLength)
        {
            reason = Invariant($"file is {span.Length} bytes, shorter than the {TrailerLength}-byte signature trailer");
            return false;
        }

        var infoStart = span.Length - TrailerLength;
        var info = span.Slice(infoStart, InfoLength);
        var sigLen = BinaryPrimitives.ReadUInt32BigEndian(info[8..]);
        if (sigLen == 0)
        {
            reason = "sig_len is 0";
            return false;
        }

        if (sigLen > (uint)infoStart)
        {
            reason = Invariant($"sig_len {sigLen} runs past the start of the file");
            return false;
        }

        if (sigLen == (uint)infoStart)
        {
            reason = Invariant($"sig_len {sigLen} leaves no module bytes before the signature");
            return false;
        }

        // Kernel order (mod_check_sig): id_type first (-ENOPKG), then the fields PKCS#7 leaves unused (-EBADMSG).
        if (info[2] != IdTypePkcs7)
        {
            failure = SignatureStatus.UnsupportedCrypto;
            reason = Invariant($"id_type {info[2]} is not PKCS#7 ({IdTypePkcs7})");
            return false;
        }

        for (var i = 0; i < 8; i++)
        {
            if (i != 2 && info[i] != 0)
            {
                reason = Invariant($"reserved field {s_reservedNames[i]} is {info[i]}, expected 0");
                return false;
            }
        }

        var payloadLength = infoStart - (int)sigLen;
        signature = new AppendedSignature(file[..payloadLength], file.Slice(payloadLength, (int)sigLen));
        failure = SignatureStatus.Valid;
        reason = "";
        return true;
    }

    /// <summary>Builds a signed file: <paramref name="payload"/>, the PKCS#7 message, the info block and the marker.</summary>
    /// <exception cref="ArgumentException"><paramref name="pkcs7"/> is empty.</exception>
    public static byte[] Append(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> pkcs7)
    {
        if (pkcs7.IsEmpty)
        {
            throw new ArgumentException("The PKCS#7 message is empty.", nameof(pkcs7));
        }

        var result = new byte[payload.Length + pkcs7.Length + TrailerLength];
        payload.CopyTo(result);
        pkcs7.CopyTo(result.AsSpan(payload.Length));
        var info = result.AsSpan(payload.Length + pkcs7.Length, InfoLength);
        info[2] = IdTypePkcs7;
        BinaryPrimitives.WriteUInt32BigEndian(info[8..], (uint)pkcs7.Length);
        Marker.CopyTo(result.AsSpan(result.Length - MarkerLength));
        return result;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
