using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;
using ModularTrace.Signing;

namespace ModularTrace.Core.Tests.Modules;

/// <summary>The loader's one bounded read of a module file.</summary>
public sealed class ModuleFileTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mtrace-modfile-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(81920)]
    [InlineData(81921)]
    [InlineData(300_000)]
    public void TryRead_FileWithinTheLimit_ReturnsEveryByte(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        var path = Path.Combine(_dir.FullName, "m.dll");
        File.WriteAllBytes(path, bytes);

        var read = ModuleFile.TryRead(path, out var error, limit: 300_000);

        Assert.Null(error);
        Assert.Equal(bytes, read);
    }

    [Fact]
    public void TryRead_FileOneByteOverTheLimit_IsRefusedWithEfbigAndItsSize()
    {
        var path = Path.Combine(_dir.FullName, "big.dll");
        File.WriteAllBytes(path, new byte[(1 << 20) + 1]);

        var read = ModuleFile.TryRead(path, out var error, limit: 1 << 20);

        Assert.Null(read);
        Assert.Equal("file of 1048577 bytes is larger than the module size limit of 1 MiB (EFBIG)", error);
    }

    [Fact]
    public void TryRead_EndlessDevice_StopsAtTheLimitInsteadOfExhaustingMemory()
    {
        var read = ModuleFile.TryRead("/dev/zero", out var error, limit: 1 << 20);

        Assert.Null(read);
        Assert.Equal("file is larger than the module size limit of 1 MiB (EFBIG)", error);
    }

    [Fact]
    public void TryRead_MissingFileOrDirectory_GivesTheErrnoStyleReason()
    {
        Assert.Null(ModuleFile.TryRead(Path.Combine(_dir.FullName, "missing.dll"), out var missing));
        Assert.Equal("no such file (ENOENT)", missing);
        // Not "Access to the path is denied": a directory is no module, whatever its permissions.
        Assert.Null(ModuleFile.TryRead(_dir.FullName, out var directory));
        Assert.Equal("is a directory, not a module file (EISDIR)", directory);
    }

    [Fact]
    public void Load_DevZero_IsRefusedAsTooLargeAndLeavesNoModule()
    {
        var loader = new ModuleLoader(new HookRegistry(), new TraceSession(), new Keyrings(), Policy.Permissive);

        var result = loader.Load("/dev/zero");

        Assert.False(result.Loaded);
        Assert.Equal("/dev/zero: file is larger than the module size limit of 64 MiB (EFBIG)", result.Error);
        Assert.Empty(loader.Modules);
    }
}
