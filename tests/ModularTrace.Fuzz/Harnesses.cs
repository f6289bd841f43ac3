using System.Collections.Frozen;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ModularTrace.Events;
using ModularTrace.Events.Filters;
using ModularTrace.Hooks;
using ModularTrace.Modules;
using ModularTrace.Signing;

namespace ModularTrace.Fuzz;

/// <summary>
/// One harness per parser of outside input. Each accepts only the parser's documented outcomes and throws
/// <see cref="FuzzFailure"/> for anything else; an unexpected exception escapes as is. Either way afl sees a crash.
/// </summary>
internal static partial class Harnesses
{
    public static readonly FrozenDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>
    {
        ["trailer"] = Trailer,
        ["manifest"] = Manifest,
        ["filter"] = Filter,
        ["symvers"] = SymversText,
        ["dynamic"] = Dynamic,
        ["format"] = Format,
        ["control"] = Control,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly Lazy<Keyrings> s_keyrings = new(() =>
        new Keyrings([CertificateFile.Load(Path.Combine(AppContext.BaseDirectory, "trusted.x509"))]));

    // Lazy: instrumented code may run only inside Fuzzer.OutOfProcess.Run, where SharpFuzz's coverage map exists.
    private static readonly Lazy<EventLayout> s_layout = new(FilterCase.Layout);
    private static readonly Lazy<byte[]> s_record = new(() => FilterCase.Record(s_layout.Value));

    /// <summary>The signature trailer and CMS: <see cref="AppendedSignature.TryParse"/>, then <see cref="SignatureVerifier.Verify(byte[], Keyrings)"/>.</summary>
    public static void Trailer(byte[] input)
    {
        var parsed = AppendedSignature.TryParse(input, out var signature, out var failure, out var reason);
        if (parsed)
        {
            Require(signature!.Payload.Length + signature.Pkcs7.Length + AppendedSignature.TrailerLength == input.Length,
                "TryParse: payload + PKCS#7 + trailer do not add up to the file");
        }
        else
        {
            Require(failure is SignatureStatus.Unsigned or SignatureStatus.Malformed or SignatureStatus.UnsupportedCrypto,
                $"TryParse failed with {failure}, not one of its documented failures");
            Require(!string.IsNullOrEmpty(reason), "TryParse failed without a reason");
        }

        var result = SignatureVerifier.Verify(input, s_keyrings.Value);
        Require(Enum.IsDefined(result.Status), $"Verify returned undefined status {(int)result.Status}");
        Require(!string.IsNullOrEmpty(result.Reason) || result.Status == SignatureStatus.Valid, $"{result.Status} without a reason");
        Require(input.AsSpan().StartsWith(result.Payload.Span), "the payload is not a prefix of the file");
        if (result.Status == SignatureStatus.Valid)
        {
            Require(parsed, "Verify said valid for a file TryParse refused");
            Require(result.Signer is not null && result.Certificate is not null, "valid without signer or certificate");
        }
        else if (!parsed)
        {
            Require(result.Status == failure || result.Status == SignatureStatus.Blacklisted,
                $"TryParse said {failure} but Verify said {result.Status}");
        }
    }

    /// <summary>Module metadata: <see cref="ModuleManifestReader.TryRead"/> gives a manifest or a reason, never both, never neither.</summary>
    public static void Manifest(byte[] input)
    {
        var manifest = ModuleManifestReader.TryRead(input, out var error);
        Require((manifest is null) != (error is null), $"TryRead returned manifest={manifest is not null}, error={error ?? "null"}");
        if (manifest is not null)
        {
            Require(manifest.Name.Length > 0 && manifest.AssemblyName.Length > 0, "a manifest without a name");
        }
    }

    /// <summary>Filter expressions against a fixed layout, then evaluated on a fixed record; the normalised text parses again to the same text.</summary>
    public static void Filter(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        var result = EventFilterParser.Parse(text, s_layout.Value);
        if (!result.IsSuccess)
        {
            RequireCaret(result.Error!, text);
            return;
        }

        if (FilterCase.RoundTripViolation(result.Value!, s_layout.Value, s_record.Value) is { } violation)
        {
            throw new FuzzFailure(violation);
        }
    }

    /// <summary>Module.symvers text: a table or a <see cref="FormatException"/> naming the line; a parsed table formats and parses back to itself.</summary>
    public static void SymversText(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        Symvers symvers;
        try
        {
            symvers = Symvers.Parse(text);
        }
        catch (FormatException ex)
        {
            Require(ex.Message.StartsWith("symvers line ", StringComparison.Ordinal), $"a format error that names no line: {ex.Message}");
            return;
        }

        var again = Symvers.Parse(symvers.Format());
        Require(again.Entries.Count == symvers.Entries.Count && again.Entries.Values.SequenceEqual(symvers.Entries.Values), "symvers does not round-trip");
    }

    /// <summary>The harness called <paramref name="name"/>; false, with the known names on stderr, when there is none.</summary>
    internal static bool TryFind(string name, out Action<byte[]> harness)
    {
        if (All.TryGetValue(name, out harness!))
        {
            return true;
        }

        Console.Error.WriteLine($"mtrace-fuzz: unknown harness '{name}'; one of {string.Join(", ", All.Keys)}");
        return false;
    }

    internal static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new FuzzFailure(message);
        }
    }
}

/// <summary>A harness saw an outcome its parser does not document.</summary>
internal sealed class FuzzFailure(string message) : Exception(message);
