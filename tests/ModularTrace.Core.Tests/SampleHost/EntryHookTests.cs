using System.Reflection;
using System.Reflection.Emit;
using ModularTrace.Buffers;
using ModularTrace.Events;
using ModularTrace.Events.Dynamic;
using ModularTrace.Hooks;
using ModularTrace.Output;
using ModularTrace.SampleHost;

namespace ModularTrace.Core.Tests.SampleHost;

// The woven sample host (core/ModularTrace.Weaver runs after it compiles). Registering publishes the entry hooks
// process-wide, and workloads in other test classes call the woven methods too: assertions look for this class's
// own unique arguments only.
public sealed class EntryHookTests
{
    private const string OpenHook = "fn_ModularTrace_SampleHost_SimulatedVfs_Open";
    private static readonly Assembly s_host = typeof(SimulatedVfs).Assembly;

    [Fact]
    public void Register_WovenSampleHost_AddsOneHookPerMethodWithItsPrototypeAndCrc()
    {
        var registry = new HookRegistry();

        Assert.Equal(3, FunctionHooks.Register(registry, s_host));

        Assert.True(FunctionHooks.IsWoven(s_host));
        Assert.True(registry.TryGet(OpenHook, out var open));
        Assert.Equal(OpenHook + "(int dfd, string path, int flags, int mode)", open.Signature.Prototype);
        Assert.True(registry.TryGet("fn_ModularTrace_SampleHost_SimulatedVfs_Read", out var read));
        Assert.Equal("fn_ModularTrace_SampleHost_SimulatedVfs_Read(int fd, ulong count, long pos)", read.Signature.Prototype);
        var symvers = registry.ToSymvers().Format();
        Assert.Contains(HookSignature.FormatCrc(HookSignature.ComputeCrc(open.Signature.Prototype)) + "\t" + OpenHook, symvers, StringComparison.Ordinal);
        Assert.DoesNotContain(registry.Hooks, hook => hook.Name.Contains("get_", StringComparison.Ordinal));
    }

    [Fact]
    public void WovenMethod_WithProbeAttached_FiresWithItsArgumentsBeforeTheBody()
    {
        var registry = new HookRegistry();
        FunctionHooks.Register(registry, s_host);
        var vfs = new SimulatedVfs();
        var seen = new List<(int, string, int, int, long)>();
        registry.Get<Hook<int, string, int, int>>(OpenHook).Attach((dfd, path, flags, mode) =>
        {
            if (path == "/entry-hook-test/a")
            {
                seen.Add((dfd, path, flags, mode, vfs.Opens));
            }
        });

        var opened = vfs.Open(-100, "/entry-hook-test/a", 0x241, 0x1a4);

        Assert.Equal(1, opened);
        Assert.Equal([(-100, "/entry-hook-test/a", 0x241, 0x1a4, 0L)], seen);
    }

    // The woven entry is "ldsfld hook; ldarg.1..n; callvirt Fire" and nothing else: Fire inlines to a field load,
    // a null test and a branch, so a method with no probe attached does no more (and allocates nothing).
    [Fact]
    public void WovenMethod_Disabled_RunsOnlyTheInlinedFireTestAndAllocatesNothing()
    {
        var method = typeof(SimulatedVfs).GetMethod(nameof(SimulatedVfs.Open))!;
        var il = method.GetMethodBody()!.GetILAsByteArray()!;
        Assert.Equal(OpCodes.Ldsfld.Value, il[0]);
        var field = method.Module.ResolveField(BitConverter.ToInt32(il, 1))!;
        Assert.Equal(FunctionHooks.GeneratedTypeName, field.DeclaringType!.FullName);
        Assert.Equal(OpenHook, field.Name);
        Assert.Equal(
            [OpCodes.Ldarg_1.Value, OpCodes.Ldarg_2.Value, OpCodes.Ldarg_3.Value, OpCodes.Ldarg_S.Value, 4, OpCodes.Callvirt.Value],
            il.AsSpan(5, 6).ToArray().Select(b => (short)b).ToArray());
        Assert.Equal("Fire", method.Module.ResolveMethod(BitConverter.ToInt32(il, 11))!.Name);

        var vfs = new SimulatedVfs();
        vfs.Open(1, "warm", 0, 0);
        var allocated = Allocations.Least(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                vfs.Open(i, "/entry-hook-test/b", 0, 0);
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(1 + (10_000 * Allocations.Runs), vfs.Opens);
    }

    [Theory]
    [InlineData("f:ModularTrace.SampleHost.SimulatedVfs.Open(int dfd, string path)", "functions:Open")]
    [InlineData("ModularTrace.SampleHost.SimulatedVfs.Open(x32 flags, path)", "functions:Open")]
    [InlineData("vfs/open=ModularTrace.SampleHost.SimulatedVfs.Open(path, x16 mode)", "vfs:open")]
    public void FunctionEvent_OnWovenMethod_RecordsByArgumentName(string spec, string fullName)
    {
        var registry = new HookRegistry();
        FunctionHooks.Register(registry, s_host);
        var session = new TraceSession(new TraceOptions { Clock = TraceClock.Counter });
        var added = new DynamicEvents(session, registry).Add(spec);
        Assert.True(added.IsSuccess, added.Error?.ToString());
        Assert.Equal(fullName, added.Value.Event.FullName);
        added.Value.Event.IsEnabled = true;

        new SimulatedVfs().Open(-100, "/entry-hook-test/c", 0x241, 0x1a4);

        var mine = new TraceReader(session).Read(consume: true)
            .Select(record => record.Event!.Class.Print.Render(record.Data))
            .Where(text => text.Contains("/entry-hook-test/c", StringComparison.Ordinal))
            .ToArray();
        var expected = spec.Contains("int dfd", StringComparison.Ordinal) ? "dfd=-100 path=\"/entry-hook-test/c\""
            : spec.Contains("flags", StringComparison.Ordinal) ? "flags=0x241 path=\"/entry-hook-test/c\""
            : "path=\"/entry-hook-test/c\" mode=0x1a4";
        Assert.Equal([expected], mine);
    }

    [Fact]
    public void FunctionEvent_MisspeltArgument_ListsTheMethodsParameters()
    {
        var registry = new HookRegistry();
        FunctionHooks.Register(registry, s_host);
        const string Spec = "ModularTrace.SampleHost.SimulatedVfs.Open(int fd, string path)";
        var error = DynamicEventParser.Parse(Spec, registry).Error!;
        Assert.Equal(Spec.IndexOf("fd", StringComparison.Ordinal), error.Position);
        Assert.Contains("arguments: dfd, path, flags, mode", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, DynamicEventParser.Parse("ModularTrace.SampleHost.SimulatedVfs.Close(int fd)", registry).Error!.Position);
    }
}
