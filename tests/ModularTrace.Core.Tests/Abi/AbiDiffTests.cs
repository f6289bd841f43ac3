using ModularTrace.Abi;

namespace ModularTrace.Core.Tests.Abi;

public sealed class AbiDiffTests
{
    private static AbiSnapshot Snapshot(IReadOnlyList<AbiHook> hooks, params AbiEvent[] events) =>
        new("test", "default", "v", "builder", hooks, [], events);

    private static readonly AbiHook s_hook = new("sched_wakeup", "0x00000001", "sched_wakeup(int pid, int target_cpu)");

    private static AbiEvent Wakeup(params AbiField[] fields) => new("sched", "sched_wakeup", "sched", fields, "\"pid=%d\", REC->pid");

    private static readonly AbiField s_pid = new("pid", "s32 pid", 12, 4, true);
    private static readonly AbiField s_cpu = new("target_cpu", "s32 target_cpu", 16, 4, true);

    public static TheoryData<string, AbiSnapshot, int> Cases => new()
    {
        { "identical", Snapshot([s_hook], Wakeup(s_pid, s_cpu)), 0 },
        { "field added", Snapshot([s_hook], Wakeup(s_pid, s_cpu, new AbiField("prio", "s32 prio", 20, 4, true))), 4 },
        { "field moved", Snapshot([s_hook], Wakeup(s_pid, s_cpu with { Offset = 20 })), 4 },
        { "field removed", Snapshot([s_hook], Wakeup(s_pid)), 12 },
        { "field type changed", Snapshot([s_hook], Wakeup(s_pid, s_cpu with { Declaration = "s64 target_cpu", Size = 8 })), 12 },
        { "event removed", Snapshot([s_hook]), 12 },
        { "hook prototype changed", Snapshot([s_hook with { Crc = "0x00000002", Prototype = "sched_wakeup(long pid, int target_cpu)" }], Wakeup(s_pid, s_cpu)), 12 },
        { "hook added", Snapshot([s_hook, new AbiHook("x", "0x3", "x()")], Wakeup(s_pid, s_cpu)), 4 },
        { "hook removed", Snapshot([], Wakeup(s_pid, s_cpu)), 12 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ExitBits_AgainstTheBaseline_AreAbidiffs(string change, AbiSnapshot changed, int bits)
    {
        var baseline = Snapshot([s_hook], Wakeup(s_pid, s_cpu));
        Assert.True(bits == AbiDiff.ExitBits(AbiDiff.Compare(baseline, changed)), change);
    }

    [Fact]
    public void Compare_FieldMoved_IsFlaggedAsBreakingOffsetReadersOnly()
    {
        var change = Assert.Single(AbiDiff.Compare(Snapshot([s_hook], Wakeup(s_pid, s_cpu)), Snapshot([s_hook], Wakeup(s_pid, s_cpu with { Offset = 20 }))));
        Assert.Equal(AbiSeverity.Change, change.Severity);
        Assert.True(change.BreaksOffsetReaders);
        Assert.Contains("offset 16 -> 20", change.Text, StringComparison.Ordinal);
    }
}
