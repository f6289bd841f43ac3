using ModularTrace.Signing;

namespace ModularTrace.Signing.Tests;

/// <summary>"Every single-byte change of a signed module is refused" (NOTES-RELIABILITY §1-2), over every position.</summary>
public sealed class ByteFlipTests
{
    [Theory]
    [InlineData("p256", 0xff)]
    [InlineData("p256", 0x01)]
    [InlineData("rsa", 0x80)]
    public void Verify_EverySingleByteFlip_IsRefusedInTheRightClass(string keyName, int mask)
    {
        var key = TestKeys.ByName(keyName);
        var module = TestKeys.Module(64);
        var signed = TestKeys.Sign(module, key);
        var keyrings = TestKeys.Trusting(key);
        var cmsEnd = signed.Length - AppendedSignature.TrailerLength;
        Assert.Equal(SignatureStatus.Valid, SignatureVerifier.Verify(signed, keyrings).Status);

        for (var position = 0; position < signed.Length; position++)
        {
            var flipped = (byte[])signed.Clone();
            flipped[position] ^= (byte)mask;
            var result = SignatureVerifier.Verify(flipped, keyrings);
            var where = $"byte {position} of {signed.Length}: {result.Status} ({result.Reason})";
            Assert.True(result.Status != SignatureStatus.Valid, where);
            if (position < module.Length)
            {
                Assert.True(result.Status == SignatureStatus.BadSignature, where);
            }
            else if (position < cmsEnd)
            {
                Assert.True(result.Status is SignatureStatus.Malformed or SignatureStatus.BadSignature or SignatureStatus.UnknownKey or SignatureStatus.UnsupportedCrypto, where);
            }
            else if (position < cmsEnd + AppendedSignature.InfoLength)
            {
                var expected = position == cmsEnd + 2 ? SignatureStatus.UnsupportedCrypto : SignatureStatus.Malformed;
                Assert.True(result.Status == expected, where);
            }
            else
            {
                Assert.True(result.Status == SignatureStatus.Unsigned, where);
            }
        }
    }
}
