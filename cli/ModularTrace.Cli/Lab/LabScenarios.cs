using System.Buffers.Binary;
using System.Globalization;
using ModularTrace.Abi;
using ModularTrace.Buffers;
using ModularTrace.Cli.Tracing;
using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;
using ModularTrace.Signing;

namespace ModularTrace.Cli.Lab;

/// <summary>The distributor-module experiments. No outcome is scripted: each verdict is computed from what happened.</summary>
internal static partial class LabScenarios
{
    public static readonly IReadOnlyList<(string Id, string Title, Func<LabContext, LabResult> Run)> All =
    [
        ("own-pack", "each distribution's pack on its own host", OwnPack),
        ("user-signed", "an upstream module signed by the user's key", UserSigned),
        ("cross-distro", "the debian pack on the fedora host", CrossDistro),
        ("consumer-tool", "one tool per pack, run against every pack", ConsumerTool),
        ("powertop", "fixed offsets vs the format file across a field removal", Powertop),
        ("abi-history", "abi diff between two versions of a pack", AbiHistory),
        ("crc-off", "a mismatched module with and without CRC checks", CrcOff),
        ("dynamic", "dynamic events across a hook signature change", Dynamic),
        ("memory", "memory per hook and per event", Memory),
        ("runtime-payload", ".NET's diagnostic payloads as de facto ABI: reflection vs CRC lock", RuntimePayload),
    ];

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static LabResult OwnPack(LabContext lab)
    {
        var evidence = new List<string>();
        var working = 0;
        foreach (var distro in LabContext.Distributions)
        {
            var host = LabContext.Host(distro, Policy.Enforce, lab.ProfileKeyrings(distro));
            var loaded = lab.Pack(distro).Select(f => host.Loader.Load(f)).ToArray();
            var records = LabContext.Record(host);
            var ok = loaded.All(r => r.Loaded) && records.Count > 0;
            working += ok ? 1 : 0;
            evidence.Add($"{distro}: {loaded.Count(r => r.Loaded)}/{loaded.Length} modules loaded under enforce, {host.Session.Events.Count} events, {N(records.Count)} records, taints {host.Loader.Taints}");
        }

        return new LabResult("own-pack", "A distribution can ship the module that turns its bare hooks into trace events; users get events without the kernel committing to them.",
            "Rostedt, Kernel Summit 2017 (seeds 000, 002)", evidence,
            working == LabContext.Distributions.Length
                ? "holds: every distribution's own signed pack loads under enforce and records events on its own host"
                : $"fails: only {working} of {LabContext.Distributions.Length} distributions could load their own pack");
    }

    private static LabResult UserSigned(LabContext lab)
    {
        var evidence = new List<string>();
        // The same module, built against debian's symvers, but signed by the user's own key instead of Debian's.
        using var userKey = KeyGenerator.Generate(new KeyGenerationOptions { RsaKeySize = 2048, Subject = "alice's module key" });
        var payload = ModuleSigner.StripSignature(File.ReadAllBytes(lab.PackModule("debian", "Sched")));
        var file = Path.Combine(Directory.CreateTempSubdirectory("mtrace-lab-").FullName, "ModularTrace.Module.Sched.dll");
        File.WriteAllBytes(file, ModuleSigner.Sign(payload.Span, userKey.PrivateKey, userKey.Certificate, "sha256"));
        try
        {
            var keyrings = lab.ProfileKeyrings("debian");
            var host = LabContext.Host("debian", Policy.Enforce, keyrings);
            var before = host.Loader.Load(file);
            evidence.Add($"debian host, enforce, user-signed module: {LabContext.Outcome(before)}");
            var enrolled = keyrings.Enroll(userKey.Certificate, _ => true);
            evidence.Add($"machine-owner enrols alice's key (MOK, confirmed): {enrolled.Status}");
            var after = host.Loader.Load(file);
            evidence.Add($"debian host, enforce, same module again: {LabContext.Outcome(after)}");
            var locked = lab.ProfileKeyrings("debian");
            var lockdown = LabContext.Host("debian", Policy.Lockdown, locked);
            var refusedEnrolment = locked.Enroll(userKey.Certificate, _ => true);
            evidence.Add($"debian host under lockdown, enrolment: {refusedEnrolment.Status} ({refusedEnrolment.Reason}); load: {LabContext.Outcome(lockdown.Loader.Load(file))}");
            var holds = !before.Loaded && after.Loaded && !refusedEnrolment.Succeeded;
            return new LabResult("user-signed", "Module signing stops users from loading a tracing module the distribution did not sign.",
                "Ben Hutchings, 2017 (seed 000)", evidence,
                holds
                    ? "holds, with a way out: refused until the machine owner enrols the key; under lockdown there is no way out at run time"
                    : "does not hold as stated: see the evidence");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    private static LabResult CrossDistro(LabContext lab)
    {
        var evidence = new List<string>();
        var module = lab.PackModule("debian", "Sched");
        var results = new List<ModuleLoadResult>();
        ModuleLoadResult Step(string what, Policy policy, Keyrings keyrings, LoadOptions options)
        {
            var result = LabContext.Host("fedora", policy, keyrings).Loader.Load(module, options);
            evidence.Add($"{what}: {LabContext.Outcome(result)}");
            results.Add(result);
            return result;
        }

        var both = lab.ProfileKeyrings("fedora");
        foreach (var cert in lab.ProfileKeyrings("debian").Builtin)
        {
            both.Enroll(cert, _ => true);
        }

        Step("fedora host, enforce, debian's sched module", Policy.Enforce, lab.ProfileKeyrings("fedora"), new LoadOptions());
        Step("... with debian's key trusted too", Policy.Enforce, both, new LoadOptions());
        Step("... permissive, --force-vermagic", Policy.Permissive, both, new LoadOptions { ForceVermagic = true });
        var forced = Step("... permissive, --force-vermagic --force-modversion", Policy.Permissive, both, new LoadOptions { ForceVermagic = true, ForceModversion = true });
        Step("... enforce, forcing everything", Policy.Enforce, both, new LoadOptions { ForceVermagic = true, ForceModversion = true });
        var refusedAll = results.Take(3).All(r => !r.Loaded) && !results[^1].Loaded;
        return new LabResult("cross-distro", "A module built for one distribution does not load on another: every distribution's module differs.",
            "Ben Hutchings, 2017 (seed 000)", evidence,
            refusedAll
                ? $"holds: refused by key, then by vermagic, then by hook CRC; forcing everything {(forced.Loaded ? "loads it tainted F" : "still fails (" + forced.Error + ")")}, and enforce refuses any forced load"
                : "does not hold: a cross-distribution load went through unforced");
    }

    private static LabResult ConsumerTool(LabContext lab)
    {
        var evidence = new List<string>();
        // Each distribution's tool reads sched_wakeup's target_cpu at the offset that distribution's format file gave.
        var traces = LabContext.Distributions.ToDictionary(d => d, d =>
        {
            var host = LabContext.Host(d, Policy.Enforce, lab.ProfileKeyrings(d));
            host.Load(lab.Pack(d), new LoadOptions());
            return (Records: LabContext.Record(host, selector: "sched:sched_wakeup"), Layout: host.Session.Find("sched:sched_wakeup")!.Class.Layout);
        }, StringComparer.Ordinal);
        var broken = 0;
        foreach (var toolDistro in LabContext.Distributions)
        {
            var offset = traces[toolDistro].Layout["target_cpu"].Offset;
            var row = new List<string>();
            foreach (var traceDistro in LabContext.Distributions)
            {
                var (records, layout) = traces[traceDistro];
                var truth = layout["target_cpu"];
                // Past the end of a shorter record counts as wrong: a C tool would read the next record's bytes.
                var wrong = records.Count(r => r.Data.Length < offset + 4 || BinaryPrimitives.ReadInt32LittleEndian(r.Data.AsSpan(offset)) != RecordValues.ReadInt64(r.Data, truth));
                broken += wrong > 0 ? 1 : 0;
                row.Add($"{traceDistro}: {(wrong == 0 ? "correct" : $"{N(wrong)}/{N(records.Count)} wrong")}");
            }

            evidence.Add($"tool built on {toolDistro}'s format (target_cpu at offset {offset}) -> {string.Join(", ", row)}");
        }

        evidence.Add("a tool reading the format file by field name: correct on all three (it looks target_cpu up per trace)");
        var matrix = LabContext.Distributions.Select(a => $"{a}: " + string.Join(" ", LabContext.Distributions.Select(b =>
            AbiDiff.ExitBits(AbiDiff.Compare(AbiSources.Capture("pack:" + a, HostProfiles.Resolve(a), Policy.Enforce, lab.ProfileKeyrings(a), lab.Pack(a)),
                AbiSources.Capture("pack:" + b, HostProfiles.Resolve(b), Policy.Enforce, lab.ProfileKeyrings(b), lab.Pack(b)))).ToString(CultureInfo.InvariantCulture).PadLeft(2))));
        evidence.Add("format divergence (abi diff exit bits, row vs column debian ubuntu fedora): " + string.Join("; ", matrix));
        return new LabResult("consumer-tool", "If every distribution ships its own module, tools break across distributions; if all ship the same one, it is ABI anyway.",
            "Hutchings / Corbet, 2017 (seeds 000, 002)", evidence,
            broken > 0
                ? $"holds for tools that hard-code the format: {broken} of 9 tool/trace pairs read wrong values; tools that parse the format file survive, so the format file is the ABI"
                : "does not hold here: every tool read every trace correctly");
    }

    private static LabResult Powertop(LabContext lab)
    {
        var evidence = new List<string>();
        var old = LabContext.Host("debian", Policy.Enforce, lab.ProfileKeyrings("debian"));
        old.Load(lab.Pack("debian"), new LoadOptions());
        var oldLayout = old.Session.Find("sched:sched_wakeup")!.Class.Layout;
        var now = LabContext.Host("ubuntu", Policy.Enforce, lab.ProfileKeyrings("ubuntu"));
        now.Load(lab.Pack("ubuntu"), new LoadOptions());
        var records = LabContext.Record(now, selector: "sched:sched_wakeup");
        var newLayout = now.Session.Find("sched:sched_wakeup")!.Class.Layout;
        var offset = oldLayout["target_cpu"].Offset;
        var wrong = records.Count(r => r.Data.Length < offset + 4 || BinaryPrimitives.ReadInt32LittleEndian(r.Data.AsSpan(offset)) != RecordValues.ReadInt64(r.Data, newLayout["target_cpu"]));
        evidence.Add($"debian's sched_wakeup: success at {oldLayout["success"].Offset}, target_cpu at {offset}; ubuntu removed success: target_cpu at {newLayout["target_cpu"].Offset}");
        evidence.Add($"offset-reading tool on ubuntu's trace: {N(wrong)} of {N(records.Count)} target_cpu values wrong");
        evidence.Add($"format-parsing tool on ubuntu's trace: 0 wrong; a tool that needs 'success' finds it {(newLayout.TryGetField("success", out _) ? "present" : "gone")}");
        // The 2011 fix: keep the removed field as padding so offsets stay. What it costs, measured in ring-buffer bytes.
        var padded = BytesPer(oldLayout);
        var compact = BytesPer(newLayout);
        evidence.Add($"ring-buffer bytes per sched_wakeup record: {padded} with the dead field kept as padding, {compact} without ({(padded - compact) * 100.0 / compact:F1}% more)");
        return new LabResult("powertop", "Any tool that hard-codes offsets breaks; a tool that parses format survives field moves but not field removal.",
            "powertop 2011 (seed 003)", evidence,
            wrong > 0 ? "holds: the offset reader read wrong values silently; the format reader was right, and only a tool needing the removed value lost it" : "does not hold: offsets did not move");
    }

    private static long BytesPer(EventLayout layout)
    {
        var session = new TraceSession(new TraceOptions { BufferSize = 1 << 20 });
        var ev = session.Define("t", "e", new EventClass("e", layout, "x"));
        ev.IsEnabled = true;
        const int Count = 1_000;
        for (var i = 0; i < Count; i++)
        {
            ev.Reserve().Commit();
        }

        return session.Buffers.Sum(b => b.Stats.Bytes) / Count;
    }

    private static LabResult AbiHistory(LabContext lab)
    {
        var before = AbiSources.Capture("pack:debian", HostProfiles.Resolve("debian"), Policy.Enforce, lab.ProfileKeyrings("debian"), lab.Pack("debian"));
        var after = AbiSources.Capture("pack:fedora", HostProfiles.Resolve("fedora"), Policy.Enforce, lab.ProfileKeyrings("fedora"), lab.Pack("fedora"));
        var changes = AbiDiff.Compare(before, after);
        var evidence = new List<string>
        {
            $"old: pack:debian, '{before.Vermagic}', modules {string.Join(" ", before.Modules.Select(m => m.Name + "@" + m.Version))}",
            $"new: pack:fedora, '{after.Vermagic}', modules {string.Join(" ", after.Modules.Select(m => m.Name + "@" + m.Version))}: every change below came in with it",
        };
        evidence.AddRange(changes.Select(c => $"{c.Subject}: {c.Text}"));
        evidence.Add($"exit bits {AbiDiff.ExitBits(changes)}: {changes.Count(c => c.Severity == AbiSeverity.Incompatible)} incompatible");
        return new LabResult("abi-history", "Users need to know when a format changed.", "Chris Mason, 2017 (seed 002)", evidence,
            changes.Count > 0 ? $"answered: abi diff names all {changes.Count} changes between the two packs and the version they came in" : "nothing changed between the packs");
    }

    private static LabResult CrcOff(LabContext lab)
    {
        var evidence = new List<string>();
        var module = lab.LabModule("LabSwapped");
        var dev = new Keyrings([CertificateFile.Load(HostProfiles.Key(lab.Root, HostProfiles.Resolve(null)).CertificatePath)]);
        var checkedHost = LabContext.Host("default", Policy.Enforce, dev);
        var refused = checkedHost.Loader.Load(module);
        evidence.Add($"CRC checks on (enforce): {LabContext.Outcome(refused)}");
        var unchecked_ = LabContext.Host("default", Policy.Permissive, dev);
        var forced = unchecked_.Loader.Load(module, new LoadOptions { ForceModversion = true });
        unchecked_.Load([lab.PackModule("default", "Irq")], new LoadOptions());
        evidence.Add($"CRC checks off (--force-modversion): {LabContext.Outcome(forced)}");
        var records = LabContext.Record(unchecked_, selector: "lab:irq_exit_swapped");
        unchecked_.Session.SetEnabled("all", false);
        var irqField = forced.Loaded ? unchecked_.Session.Find("lab:irq_exit_swapped")!.Class.Layout["irq"] : null;
        var irqs = irqField is null ? [] : records.Select(r => RecordValues.ReadInt64(r.Data, irqField)).Distinct().Order().ToArray();
        evidence.Add($"recorded irq values: {string.Join(", ", irqs)} (the host's interrupts are 0 timer, 133 nvme0q1, 140 eth0: these are the 'ret' values), no warning, no error");
        return new LabResult("crc-off", "Without version checks, a module built for another prototype records wrong values silently; with them it is refused.",
            "Rostedt, 2015 (seed 004)", evidence,
            !refused.Loaded && forced.Loaded && irqs.Length > 0 && irqs.All(v => v is not 0 and not 133 and not 140)
                ? "holds: refused with checks; with checks off every recorded irq was wrong and nothing said so"
                : "does not hold as stated: see the evidence");
    }

    private static LabResult Memory(LabContext lab)
    {
        _ = lab;
        const int Count = 1_000;
        var registry = new HookRegistry();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Count; i++)
        {
            registry.Register(new Hook<int, string, long>("hook_" + i.ToString(CultureInfo.InvariantCulture), "a", "b", "c"));
        }

        var perHook = (GC.GetAllocatedBytesForCurrentThread() - before) / Count;
        var session = new TraceSession();
        before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Count; i++)
        {
            var b = new EventLayoutBuilder();
            b.Chars("comm", 16);
            b.S32("pid");
            b.S32("prio");
            b.S32("target_cpu");
            session.Define("mem", "event_" + i.ToString(CultureInfo.InvariantCulture), new EventClass("c", b.Build(), "comm={comm} pid={pid} prio={prio} target_cpu={target_cpu}"));
        }

        var perEvent = (GC.GetAllocatedBytesForCurrentThread() - before) / Count;
        return new LabResult("memory", "Each trace event costs about 5 KB of kernel memory, so exposing many events has a price.", "Corbet, 2017 (seed 000)",
            [$"declaring {N(Count)} three-argument hooks allocated {N(perHook)} bytes per hook (registration included)",
             $"defining {N(Count)} four-field events (layout, print format, registration) allocated {N(perEvent)} bytes per event"],
            $"{N(perEvent)} B per event against the kernel's ~5 KB: {(perEvent < 5_000 ? "cheaper" : "dearer")}; allocation counted, not retained size");
    }

    private static LabResult Dynamic(LabContext lab)
    {
        _ = lab;
        var evidence = new List<string>();
        var outcomes = new Dictionary<string, bool>(StringComparer.Ordinal);
        string Try(string profile, string spec)
        {
            var host = LabContext.Host(profile, Policy.Enforce, new Keyrings());
            var added = host.Dynamic.Add(spec);
            if (!added.IsSuccess)
            {
                var error = added.Error!;
                outcomes[$"{profile} {spec}"] = false;
                return $"refused at byte {error.Position}: {error.Message}";
            }

            var records = LabContext.Record(host, 2_000, added.Value!.Event.FullName);
            outcomes[$"{profile} {spec}"] = records.Count > 0;
            return $"{N(records.Count)} records, e.g. {(records.Count > 0 ? added.Value.Event.Class.Print.Render(records[0].Data) : "none")}";
        }

        const string ByName = "sched_switch(int prev_pid, string next_comm)";
        const string Success = "sched_wakeup(int pid, int success, int target_cpu)";
        const string Openat = "sys_openat(string filename)";
        foreach (var profile in LabContext.Distributions)
        {
            evidence.Add($"{profile}: '{ByName}' -> {Try(profile, ByName)}");
        }

        evidence.Add($"debian: '{Success}' -> {Try("debian", Success)}");
        evidence.Add($"ubuntu: '{Success}' -> {Try("ubuntu", Success)}");
        evidence.Add($"debian: '{Openat}' -> {Try("debian", Openat)}");
        evidence.Add($"fedora: '{Openat}' -> {Try("fedora", Openat)}");
        var survivesInsertion = LabContext.Distributions.All(p => outcomes[$"{p} {ByName}"]);
        var loudOnRemoval = outcomes[$"debian {Success}"] && !outcomes[$"ubuntu {Success}"] && outcomes[$"debian {Openat}"] && !outcomes[$"fedora {Openat}"];
        return new LabResult("dynamic", "Attach events to functions at run time instead of shipping trace events: but then the function signature becomes the ABI.",
            "Torvalds / Desnoyers, 2018 (seed 001)", evidence,
            survivesInsertion && loudOnRemoval
                ? "holds, both ways: binding by argument name survives an inserted argument (sched_switch gained 'preempt'), while a removed argument or a renamed hook breaks the spec, loudly and with the position, never silently"
                : "does not hold as stated: see the evidence");
    }
}
