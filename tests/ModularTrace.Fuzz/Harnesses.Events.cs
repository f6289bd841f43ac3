using System.Text;
using ModularTrace.Buffers;
using ModularTrace.Events;
using ModularTrace.Events.Dynamic;
using ModularTrace.Hooks;
using ModularTrace.Output;
using ModularTrace.Output.Ctf;

namespace ModularTrace.Fuzz;

internal static partial class Harnesses
{
    private static readonly Lazy<DynamicWorld> s_dynamic = new(() => new DynamicWorld());

    /// <summary>
    /// Dynamic-event specs: <see cref="DynamicEvents.Add"/> gives an event or an error with an in-range caret. An added
    /// event's canonical form parses back to itself; the event records one firing of its hook, and removing it leaves
    /// the hook without probes and the session without the event.
    /// </summary>
    public static void Dynamic(byte[] input)
    {
        var world = s_dynamic.Value;
        var text = Encoding.UTF8.GetString(input);
        var added = world.Events.Add(text);
        if (!added.IsSuccess)
        {
            RequireCaret(added.Error!, text);
            return;
        }

        var ev = added.Value!;
        try
        {
            var canonical = ev.Spec.Canonical;
            var again = DynamicEventParser.Parse(canonical, world.Hooks);
            Require(again.IsSuccess, $"canonical '{canonical}' does not parse: {again.Error}");
            Require(again.Value!.Canonical == canonical, $"canonical form is not stable: '{canonical}' became '{again.Value.Canonical}'");

            ev.Event.IsEnabled = true;
            var before = world.Written();
            world.Fire(ev.Spec.Hook);
            Require(world.Written() == before + 1, $"{ev.Spec.FullName} did not record its hook's firing");
            var record = new TraceReader(world.Session).Read(consume: true)[^1];
            Require(record.Event == ev.Event, "the record is not the dynamic event's");
            Require(TextTraceWriter.Format(record, world.Session).Contains(ev.Spec.Event, StringComparison.Ordinal), "the text line does not name the event");
        }
        finally
        {
            Require(world.Events.Remove(ev.Name), $"{ev.Name} could not be removed");
        }

        Require(!ev.Spec.Hook.IsEnabled, $"{ev.Spec.Hook.Name} kept a probe after its dynamic event was removed");
        Require(world.Session.Events.All(e => e.FullName != ev.Spec.FullName), $"{ev.Spec.FullName} is still in the session");
    }

    /// <summary>
    /// Print formats (a module's <c>TP_printk</c>) and record bytes: the first line is the template, the rest the record
    /// after its common header. A template parses or fails with a <c>print format:</c> <see cref="FormatException"/>; a
    /// parsed one renders any record, appears in the format file, and the record encodes into a CTF packet and into the
    /// CTF metadata without throwing.
    /// </summary>
    public static void Format(byte[] input)
    {
        var newline = Array.IndexOf(input, (byte)'\n');
        var template = Encoding.UTF8.GetString(input, 0, newline < 0 ? input.Length : newline);
        var body = newline < 0 ? [] : input.AsSpan(newline + 1);
        var layout = s_layout.Value;
        EventClass eventClass;
        try
        {
            eventClass = new EventClass("fuzz", layout, template);
        }
        catch (FormatException ex)
        {
            Require(ex.Message.StartsWith("print format: ", StringComparison.Ordinal), $"a print-format error without its prefix: {ex.Message}");
            return;
        }

        // The ring always hands out at least the layout's fixed size: pad short inputs, keep long ones (dynamic data).
        // The input is the record after its event id: flags, pid, cpu, then the fields.
        var data = new byte[Math.Max(layout.FixedSize, sizeof(ushort) + body.Length)];
        body.CopyTo(data.AsSpan(sizeof(ushort)));
        var session = new TraceSession(new TraceOptions { Clock = TraceClock.Counter, BufferSize = 4096 });
        var ev = session.Define("fuzz", "format", eventClass);
        BitConverter.TryWriteBytes(data, ev.Id);
        var record = new TraceRecord(new RingBuffer(0, 0, 4096, overwrite: false), 1, data, 0, ev);

        var line = TextTraceWriter.Format(record, session);
        Require(line.Contains("format: ", StringComparison.Ordinal), $"the text line lacks the event name: {line}");
        var formatFile = FormatFile.Render(ev);
        Require(formatFile.Contains("print fmt: " + eventClass.Print.KernelText, StringComparison.Ordinal), "the format file lacks the print fmt line");
        var metadata = CtfMetadata.Build(session, [ev], new Dictionary<string, string>(), Guid.Empty);
        Require(metadata.StartsWith("/* CTF 1.8 */", StringComparison.Ordinal), "CTF metadata without its magic line");

        var packet = new CtfPacketBuilder(CtfWriter.DefaultPacketSize, new byte[16], cpu: 0);
        packet.Start(1);
        Require(packet.TryAppend(record, ev), "an empty packet refused a record");
        var bytes = packet.Finish(sequence: 0, discarded: 0);
        Require(bytes.Length % CtfPacketBuilder.PacketAlignment == 0, $"packet of {bytes.Length} bytes is not aligned");
        Require(BitConverter.ToUInt32(bytes.Span) == CtfPacketBuilder.Magic, "packet without the CTF magic");
    }

    private static void RequireCaret(CommandError error, string text)
    {
        // The kernel's parse_pred() counts from the predicate's start plus one, so a caret may sit one past the end.
        Require(error.Position >= 0 && error.Position <= Encoding.UTF8.GetByteCount(error.Command) + 1, $"error position {error.Position} outside the command ({error.Command.Length} chars)");
        Require(error.Message.Length > 0, "an error without a message");
        Require(text.Contains(error.Command, StringComparison.Ordinal), $"the error's command '{error.Command}' is not part of the input");
        var log = new ErrorLog();
        log.Add(error);
        Require(log.Render().Contains('^', StringComparison.Ordinal), "error_log rendered no caret");
    }

    /// <summary>Hooks of several arities and argument types, the session and the dynamic events on them.</summary>
    private sealed class DynamicWorld
    {
        public DynamicWorld()
        {
            Hooks.Register(Switch);
            Hooks.Register(Ints);
            Hooks.Register(Misc);
            Hooks.Register(Nullary);
            Events = new DynamicEvents(Session, Hooks);
        }

        public HookRegistry Hooks { get; } = new();

        public TraceSession Session { get; } = new(new TraceOptions { Clock = TraceClock.Counter, BufferSize = 1 << 16 });

        public DynamicEvents Events { get; }

        public Hook<string, int, long> Switch { get; } = new("sched_switch", "prev_comm", "prev_pid", "prev_state");

        public Hook<byte, sbyte, short, ushort, int, uint, long, ulong> Ints { get; } = new("ints", "b", "sb", "sh", "us", "i", "ui", "l", "ul");

        public Hook<string, char, bool> Misc { get; } = new("misc", "s", "c", "f");

        public NullaryHook Nullary { get; } = new("tick");

        public long Written() => Session.Buffers.Sum(b => b.Stats.Written);

        public void Fire(Hook hook)
        {
            if (hook == Switch)
            {
                Switch.Fire("kworker/0:1", 42, -5);
            }
            else if (hook == Ints)
            {
                Ints.Fire(0xF0, -3, -300, 0xFFF0, -123456, 0xDEADBEEF, -5_000_000_000, 0xFEDCBA9876543210);
            }
            else if (hook == Misc)
            {
                Misc.Fire("s\"h\n\0é", 'ж', true);
            }
            else
            {
                Nullary.Fire();
            }
        }
    }
}
