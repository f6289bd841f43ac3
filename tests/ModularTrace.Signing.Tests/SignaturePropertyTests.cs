using CsCheck;
using ModularTrace.Signing;

namespace ModularTrace.Signing.Tests;

/// <summary>
/// Properties over random inputs that the table-driven tests fix: any content signed by any supported key and hash
/// verifies and returns that content; any truncation of a signed module is refused.
/// </summary>
public sealed class SignaturePropertyTests
{
    private static readonly Gen<SigningKey> s_key = Gen.Int[0, 2].Select(i => TestKeys.ByName(new[] { "rsa", "p256", "p384" }[i]));

    [Fact]
    public void SignThenVerify_RandomContentKeyAndHash_IsValidAndReturnsTheContent()
    {
        Gen.Select(Gen.Byte.Array[0, 3000], s_key, Gen.Int[0, 2].Select(i => new[] { "sha256", "sha384", "sha512" }[i]), Gen.Bool)
            .Sample((content, key, hash, useKeyId) =>
            {
                var signed = ModuleSigner.Sign(content, key.PrivateKey, key.Certificate, hash, useKeyId);
                var result = SignatureVerifier.Verify(signed, TestKeys.Trusting(TestKeys.Rsa, TestKeys.P256, TestKeys.P384));
                return result.IsValid && result.Payload.Span.SequenceEqual(content) && result.HashAlgorithm == hash;
            }, iter: 60, threads: 1);
    }

    [Fact]
    public void SignThenVerify_RandomContent_OnlyTheSignersKeyringTrustsIt()
    {
        Gen.Select(Gen.Byte.Array[1, 2000], s_key).Sample((content, key) =>
        {
            var signed = ModuleSigner.Sign(content, key.PrivateKey, key.Certificate, "sha256");
            return SignatureVerifier.Verify(signed, TestKeys.Trusting(TestKeys.Attacker)).Status == SignatureStatus.UnknownKey;
        }, iter: 30, threads: 1);
    }

    [Theory]
    [InlineData("rsa")]
    [InlineData("p256")]
    [InlineData("p384")]
    public void Verify_EveryTruncationOfASignedModule_IsNeverValid(string keyName)
    {
        var key = TestKeys.ByName(keyName);
        var signed = TestKeys.Sign(TestKeys.Module(600, seed: 7), key);
        var keyrings = TestKeys.Trusting(key);
        for (var length = 0; length < signed.Length; length++)
        {
            var result = SignatureVerifier.Verify(signed[..length], keyrings);
            // Cutting anything off removes the marker's end: the file is unsigned, which enforce refuses.
            Assert.True(result.Status == SignatureStatus.Unsigned, $"truncated to {length} of {signed.Length} bytes: {result.Status} {result.Reason}");
        }
    }
}
