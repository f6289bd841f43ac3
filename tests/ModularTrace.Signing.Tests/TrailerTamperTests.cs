using ModularTrace.Signing;

namespace ModularTrace.Signing.Tests;

/// <summary>NOTES-RELIABILITY §1: trailer tamper, sig_len abuse, reserved fields, id_type, padding.</summary>
public sealed class TrailerTamperTests
{
    private static readonly byte[] s_module = TestKeys.Module(200);

    private static byte[] Cms => ModuleSigner.DetachedSignature(s_module, TestKeys.P256.PrivateKey, TestKeys.P256.Certificate, "sha256");

    private static SignatureVerification Verify(byte[] file) => SignatureVerifier.Verify(file, TestKeys.Trusting(TestKeys.P256));

    [Fact]
    public void Verify_ForgedFileWithUntouchedFields_IsValid()
    {
        // The baseline the other tests in this class change one thing of: it proves Forge.File is faithful.
        Assert.Equal(SignatureStatus.Valid, Verify(Forge.File(s_module, Cms)).Status);
    }

    [Theory]
    [InlineData(0, "algo")]
    [InlineData(1, "hash")]
    [InlineData(3, "signer_len")]
    [InlineData(4, "key_id_len")]
    [InlineData(5, "pad[0]")]
    [InlineData(6, "pad[1]")]
    [InlineData(7, "pad[2]")]
    public void Verify_ReservedFieldNonZero_IsMalformedNamingTheField(int offset, string field)
    {
        var result = Verify(Forge.File(s_module, Cms, editInfo: info => info[offset] = 1));
        Assert.Equal(SignatureStatus.Malformed, result.Status);
        Assert.Equal($"reserved field {field} is 1, expected 0", result.Reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(255)]
    public void Verify_IdTypeNotPkcs7_IsUnsupportedCrypto(byte idType)
    {
        var result = Verify(Forge.File(s_module, Cms, editInfo: info => info[2] = idType));
        Assert.Equal(SignatureStatus.UnsupportedCrypto, result.Status);
        Assert.Equal($"id_type {idType} is not PKCS#7 (2)", result.Reason);
        Assert.Equal("ENOPKG", result.Status.ToErrno());
    }

    [Fact]
    public void Verify_SigLenZero_IsMalformed()
    {
        var result = Verify(Forge.File(s_module, Cms, sigLen: 0));
        Assert.Equal(SignatureStatus.Malformed, result.Status);
        Assert.Equal("sig_len is 0", result.Reason);
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(900u)]
    [InlineData(uint.MaxValue)]
    public void Verify_SigLenPastTheFile_IsMalformed(uint extra)
    {
        var cms = Cms;
        var sigLen = (uint)Math.Min((ulong)s_module.Length + (ulong)cms.Length + extra, uint.MaxValue);
        var result = Verify(Forge.File(s_module, cms, sigLen: sigLen));
        Assert.Equal(SignatureStatus.Malformed, result.Status);
        Assert.Equal($"sig_len {sigLen} runs past the start of the file", result.Reason);
    }

    [Fact]
    public void Verify_SigLenCoversTheWholeFileBeforeTheInfo_IsMalformed()
    {
        // sig_len = file - 40 (the "file - 12" of the kernel's check once the marker is cut): no module bytes left.
        var cms = Cms;
        var result = Verify(Forge.File(s_module, cms, sigLen: (uint)(s_module.Length + cms.Length)));
        Assert.Equal(SignatureStatus.Malformed, result.Status);
        Assert.Contains("leaves no module bytes", result.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    [InlineData(-100)]
    public void Verify_SigLenOffByN_IsRefused(int delta)
    {
        var cms = Cms;
        var result = Verify(Forge.File(s_module, cms, sigLen: (uint)(cms.Length + delta)));
        Assert.NotEqual(SignatureStatus.Valid, result.Status);
        Assert.Equal(SignatureStatus.Malformed, result.Status);
    }

    [Fact]
    public void Verify_SigLenPointingIntoThePayload_IsMalformed()
    {
        var cms = Cms;
        var result = Verify(Forge.File(s_module, cms, sigLen: (uint)(cms.Length + 50)));
        Assert.Equal(SignatureStatus.Malformed, result.Status);
    }

    [Fact]
    public void Verify_PaddingBetweenPayloadAndCms_IsMalformed()
    {
        var result = Verify(Forge.File(s_module, [0, 0, 0, 0, .. Cms]));
        Assert.Equal(SignatureStatus.Malformed, result.Status);
        Assert.Contains("does not start with a DER SEQUENCE", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_TrailingBytesAfterDerInsideSigLen_IsMalformed()
    {
        var result = Verify(Forge.File(s_module, [.. Cms, 0, 0]));
        Assert.Equal(SignatureStatus.Malformed, result.Status);
        Assert.Equal("2 bytes follow the PKCS#7 DER object inside sig_len", result.Reason);
    }

    [Fact]
    public void Verify_DataAfterTheMarker_IsUnsigned()
    {
        var result = Verify([.. TestKeys.Sign(s_module, TestKeys.P256), 0]);
        Assert.Equal(SignatureStatus.Unsigned, result.Status);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(11)]
    public void Verify_FileShorterThanTheTrailer_IsMalformed(int extra)
    {
        byte[] file = [.. new byte[extra], .. AppendedSignature.Marker];
        var result = Verify(file);
        Assert.Equal(SignatureStatus.Malformed, result.Status);
        Assert.Contains("shorter than the 40-byte signature trailer", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_TruncatedAtEveryLengthOfTheLast40Bytes_IsNeverValid()
    {
        var signed = TestKeys.Sign(s_module, TestKeys.P256);
        for (var cut = 1; cut <= 40; cut++)
        {
            var result = Verify(signed[..^cut]);
            Assert.True(result.Status == SignatureStatus.Unsigned, $"cut {cut}: {result.Status} {result.Reason}");
        }
    }

    [Fact]
    public void Verify_WrongMarker_IsUnsigned()
    {
        var signed = TestKeys.Sign(s_module, TestKeys.P256);
        signed[^2] = (byte)'!';
        Assert.Equal(SignatureStatus.Unsigned, Verify(signed).Status);
    }
}
