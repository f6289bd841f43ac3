using ModularTrace.Events;
using ModularTrace.Events.Dynamic;
using ModularTrace.Hooks;
using ModularTrace.SampleHost;

namespace ModularTrace.Core.Tests.Events.Dynamic;

public sealed class DynamicEventParserTests
{
    private static readonly HookRegistry s_hooks = SampleRegistry();

    internal static HookRegistry SampleRegistry()
    {
        var registry = new HookRegistry();
        _ = new KernelHooks(registry);
        registry.Register(new NullaryHook("tick"));
        return registry;
    }

    [Theory]
    [InlineData("sched_switch(int prev_pid, string prev_comm, x32 prev_state)", "dynamic/sched_switch=sched_switch(s32 prev_pid, string prev_comm, x32 prev_state)")]
    [InlineData("my/ev=sched_switch(prev_pid)", "my/ev=sched_switch(s32 prev_pid)")]
    [InlineData("ev=sched_switch(long prev_state)", "dynamic/ev=sched_switch(s64 prev_state)")]
    [InlineData("  t:sched_wakeup ( unsigned long pid , comm )  ", "dynamic/sched_wakeup=sched_wakeup(u64 pid, string comm)")]
    [InlineData("sys_openat(int dfd, string filename, x32 flags, x16 mode)", "dynamic/sys_openat=sys_openat(s32 dfd, string filename, x32 flags, x16 mode)")]
    [InlineData("sys_openat(unsigned int flags, short mode, unsigned char dfd, signed char ret)", "dynamic/sys_openat=sys_openat(u32 flags, s16 mode, u8 dfd, s8 ret)")]
    [InlineData("irq_handler_entry()", "dynamic/irq_handler_entry=irq_handler_entry()")]
    [InlineData("tick()", "dynamic/tick=tick()")]
    [InlineData("g_1/e_2=vfs_read(ulong count, x64 pos)", "g_1/e_2=vfs_read(u64 count, x64 pos)")]
    public void Parse_ValidSpec_YieldsCanonicalForm(string spec, string canonical)
    {
        var result = DynamicEventParser.Parse(spec, s_hooks);
        Assert.True(result.IsSuccess, result.Error?.ToString());
        Assert.Equal(canonical, result.Value.Canonical);
        Assert.Equal(canonical, DynamicEventParser.Parse(canonical, s_hooks).Value!.Canonical);
    }

    // As the kernel's ftrace selftests (ftrace_errlog_check): '^' marks where the error must point; it is removed first.
    [Theory]
    [InlineData("^")]
    [InlineData("   ^")]
    [InlineData("^bogus_hook(int x)")]
    [InlineData("^sched-switch(int prev_pid)")]
    [InlineData("sched_switch(^itn prev_pid)")]
    [InlineData("sched_switch(int prev_pid, ^unsigned lng prev_state)")]
    [InlineData("sched_switch(^u128 prev_state)")]
    [InlineData("sched_switch(int ^prev_pdi)")]
    [InlineData("sched_switch(^prev_pdi)")]
    [InlineData("sched_switch(int prev_pid, s64 ^prev_pid)")]
    [InlineData("sched_switch(^string prev_pid)")]
    [InlineData("sched_switch(^int prev_comm)")]
    [InlineData("sched_switch(^char prev_comm)")]
    [InlineData("sched_switch(^bool prev_pid)")]
    [InlineData("^1bad/ev=sched_switch(int prev_pid)")]
    [InlineData("grp/^ev.x=sched_switch(int prev_pid)")]
    [InlineData("grp/ev^-x=sched_switch(int prev_pid)")]
    [InlineData("grp/^=sched_switch(int prev_pid)")]
    [InlineData("^/ev=sched_switch(int prev_pid)")]
    [InlineData("^=sched_switch(int prev_pid)")]
    [InlineData("grp/ev ^sched_switch(int prev_pid)")]
    [InlineData("ev=^(int prev_pid)")]
    [InlineData("sched_switch^")]
    [InlineData("sched_switch ^int prev_pid)")]
    [InlineData("sched_switch(int prev_pid^")]
    [InlineData("sched_switch(int prev_pid, ^")]
    [InlineData("sched_switch(int prev_pid) ^x")]
    [InlineData("sched_switch(int prev_pid)^)")]
    [InlineData("sched_switch(int prev_pid,^)")]
    [InlineData("sched_switch(^,int prev_pid)")]
    [InlineData("sched_switch(int prev_pid^[2])")]
    [InlineData("sched_switch(int prev_pid^=x)")]
    [InlineData("sched_switch(int prev_pid^:x32)")]
    [InlineData("sched_switch(int prev_pid ^%)")]
    [InlineData("t:^ModularTrace.Nowhere.Open()")]
    [InlineData("f:^sched_switch()")]
    [InlineData("^ModularTrace.Nowhere.Open(int fd)")]
    [InlineData("tick(int ^x)")]
    [InlineData("sched_switch(int prev_pid, str^\u00e4nge)")]
    public void Parse_InvalidSpec_PointsAtTheOffendingToken(string marked)
    {
        var caret = marked.IndexOf('^', StringComparison.Ordinal);
        var spec = marked.Remove(caret, 1);
        var result = DynamicEventParser.Parse(spec, s_hooks);
        Assert.False(result.IsSuccess, $"'{spec}' parsed as {result.Value}");
        Assert.Equal(DynamicEventParser.ErrorSubsystem, result.Error.Subsystem);
        Assert.Equal(spec, result.Error.Command);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(marked.AsSpan(0, caret)), result.Error.Position);
    }

    [Theory]
    [InlineData("^itn prev_pid", "Unknown type 'itn'")]
    [InlineData("int ^prev_pdi", "arguments: prev_comm, prev_pid, prev_prio, prev_state, next_comm, next_pid, next_prio")]
    [InlineData("^string prev_pid", "'string' does not fit argument 'prev_pid' of type 'int'")]
    [InlineData("^u32 prev_comm", "'u32' does not fit argument 'prev_comm' of type 'string'")]
    [InlineData("int prev_pid, int ^prev_pid", "'prev_pid' is used twice")]
    public void Parse_SemanticError_MessageNamesWhatIsWrong(string marked, string expected)
    {
        var result = DynamicEventParser.Parse("sched_switch(" + marked.Replace("^", "", StringComparison.Ordinal) + ")", s_hooks);
        Assert.Contains(expected, result.Error!.Message, StringComparison.Ordinal);
        Assert.Equal("sched_switch(".Length + marked.IndexOf('^', StringComparison.Ordinal), result.Error.Position);
    }

    [Fact]
    public void Parse_GroupNameOf65Characters_IsRefusedAsTooLong()
    {
        var result = DynamicEventParser.Parse(new string('g', 65) + "/ev=tick()", s_hooks);
        Assert.Equal(0, result.Error!.Position);
        Assert.Contains("too long", result.Error.Message, StringComparison.Ordinal);
        Assert.True(DynamicEventParser.Parse(new string('g', 64) + "/ev=tick()", s_hooks).IsSuccess);
    }

    [Fact]
    public void Parse_MoreThanMaxArguments_PointsAtTheFirstOneTooMany()
    {
        var items = Enumerable.Range(0, DynamicEventParser.MaxArguments + 1).Select(i => "prev_pid").ToArray();
        var spec = "sched_switch(" + string.Join(", ", items) + ")";
        var result = DynamicEventParser.Parse(spec, s_hooks);
        Assert.Contains("Too many arguments", result.Error!.Message, StringComparison.Ordinal);
        Assert.Equal("sched_switch(".Length + (DynamicEventParser.MaxArguments * "prev_pid, ".Length), result.Error.Position);
    }

    // The same spec against a host whose hook prototype changed: Linus's "debugger script" model, with a precise error.
    [Fact]
    public void Parse_AfterTheHookSignatureChanges_PointsAtTheArgumentThatNoLongerFits()
    {
        const string Spec = "sys_openat(int dfd, string filename, x32 flags)";
        var before = new HookRegistry();
        before.Register(new Hook<int, string, int>("sys_openat", "dfd", "filename", "flags"));
        var renamed = new HookRegistry();
        renamed.Register(new Hook<int, string, int>("sys_openat", "dfd", "pathname", "flags"));
        var retyped = new HookRegistry();
        retyped.Register(new Hook<int, ulong, int>("sys_openat", "dfd", "filename", "flags"));

        Assert.True(DynamicEventParser.Parse(Spec, before).IsSuccess);
        var afterRename = DynamicEventParser.Parse(Spec, renamed).Error!;
        Assert.Equal(Spec.IndexOf("filename", StringComparison.Ordinal), afterRename.Position);
        Assert.Contains("arguments: dfd, pathname, flags", afterRename.Message, StringComparison.Ordinal);
        var afterRetype = DynamicEventParser.Parse(Spec, retyped).Error!;
        Assert.Equal(Spec.IndexOf("string", StringComparison.Ordinal), afterRetype.Position);
        Assert.Contains("'string' does not fit argument 'filename' of type 'ulong'", afterRetype.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, Type> EveryTypeOnEveryArgument()
    {
        var data = new TheoryData<string, Type>();
        foreach (var type in Enum.GetValues<FetchType>())
        {
            foreach (var argument in HookTypes.Supported)
            {
                data.Add(type.KernelName(), argument);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryTypeOnEveryArgument))]
    public void Parse_FetchTypeOnArgumentType_FitsOnlyIntegerOnIntegerOrTheSameType(string type, Type argument)
    {
        var registry = new HookRegistry();
        registry.Register((Hook)Activator.CreateInstance(typeof(Hook<>).MakeGenericType(argument), "probe_me", "value")!);
        Assert.True(FetchTypes.TryParse(type, out var fetch));
        var natural = FetchTypes.Natural(argument);
        var fits = fetch.IsInteger() ? natural.IsInteger() : fetch == natural;

        var result = DynamicEventParser.Parse($"probe_me({type} value)", registry);

        Assert.Equal(fits, result.IsSuccess);
        if (!fits)
        {
            Assert.Equal("probe_me(".Length, result.Error!.Position);
            Assert.Contains($"'{type}'", result.Error.Message, StringComparison.Ordinal);
            Assert.Contains($"'{HookTypes.NameOf(argument)}'", result.Error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Spellings_EveryCSpelling_MapsToAKernelType()
    {
        Assert.Equal(FetchType.S32, FetchTypes.Spellings["int"]);
        Assert.Equal(FetchType.U32, FetchTypes.Spellings["unsigned"]);
        Assert.Equal(FetchType.U64, FetchTypes.Spellings["unsigned long"]);
        Assert.Equal(FetchType.S16, FetchTypes.Spellings["short"]);
        Assert.Equal(FetchType.Character, FetchTypes.Spellings["char"]);
        Assert.All(Enum.GetValues<FetchType>(), type => Assert.Equal(type, FetchTypes.Spellings[type.KernelName()]));
    }

    [Fact]
    public void Parse_ErrorLogRendering_PutsTheCaretUnderTheToken()
    {
        var error = DynamicEventParser.Parse("sched_switch(itn prev_pid)", s_hooks).Error!;
        var log = new ErrorLog();
        log.Add(error);
        var lines = log.Render().Split('\n');
        Assert.Equal("  Command: sched_switch(itn prev_pid)", lines[1]);
        Assert.Equal(new string(' ', 11 + 13) + "^", lines[2]);
        Assert.EndsWith("dynamic_events: error: " + error.Message, lines[0], StringComparison.Ordinal);
    }
}
