using CsCheck;
using ModularTrace.Signing;

namespace ModularTrace.Signing.Tests;

/// <summary>Random and mutated inputs only ever produce a status (NOTES-RELIABILITY §2): no exception, no hang.</summary>
public sealed class FuzzPropertyTests
{
    private static readonly Keyrings s_keyrings = TestKeys.Trusting(TestKeys.P256, TestKeys.Rsa);
    private static readonly byte[] s_signed = TestKeys.Sign(TestKeys.Module(120), TestKeys.P256);

    [Fact(Timeout = 300_000)]
    public async Task Verify_RandomBytes_OnlyReturnsStatuses()
    {
        await Task.Run(() => Gen.Byte.Array[0, 400].Sample(bytes => { _ = CheckedVerify(bytes); }, iter: 3000, threads: 1));
    }

    [Fact(Timeout = 300_000)]
    public async Task Verify_RandomBytesWithATrailer_OnlyReturnsStatuses()
    {
        // A marker and a plausible info block push random bytes past the trailer checks into the DER reader.
        var gen = Gen.Select(Gen.Byte.Array[1, 300], Gen.Int[1, 320], Gen.Byte[0, 3], (body, sigLen, idType) =>
            Forge.File(body, [], (uint)sigLen, info => info[2] = idType));
        await Task.Run(() => gen.Sample(bytes => { _ = CheckedVerify(bytes); }, iter: 3000, threads: 1));
    }

    [Fact(Timeout = 300_000)]
    public async Task Verify_MutatedSignedModule_IsNeverValidAndNeverThrows()
    {
        var mutation = Gen.Select(Gen.Int[0, s_signed.Length - 1], Gen.Byte, Gen.Int[0, 3]).Array[1, 8];
        await Task.Run(() => mutation.Sample(
            edits =>
            {
                var bytes = (byte[])s_signed.Clone();
                foreach (var (position, value, kind) in edits)
                {
                    var at = Math.Min(position, bytes.Length - 1);
                    bytes = kind switch
                    {
                        0 => [.. bytes[..at], .. bytes[(at + 1)..]],     // delete
                        1 => [.. bytes[..at], value, .. bytes[at..]],     // insert
                        _ => Set(bytes, at, value),                       // overwrite
                    };
                    if (bytes.Length == 0)
                    {
                        bytes = [value];
                    }
                }

                var result = CheckedVerify(bytes);
                return result.Status != SignatureStatus.Valid || bytes.AsSpan().SequenceEqual(s_signed);
            },
            iter: 3000,
            threads: 1));
    }

    private static byte[] Set(byte[] bytes, int at, byte value)
    {
        bytes[at] = value;
        return bytes;
    }

    private static SignatureVerification CheckedVerify(byte[] bytes)
    {
        var result = SignatureVerifier.Verify(bytes, s_keyrings);
        Assert.True(Enum.IsDefined(result.Status));
        Assert.False(string.IsNullOrEmpty(result.Reason));
        Assert.DoesNotContain('\n', result.Reason);
        return result;
    }
}
