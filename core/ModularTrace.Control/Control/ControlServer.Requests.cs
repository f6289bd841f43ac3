using System.Globalization;
using ModularTrace.Buffers;
using ModularTrace.Events;
using ModularTrace.Events.Filters;
using ModularTrace.Events.Triggers;
using ModularTrace.Modules;
using ModularTrace.Output;
using ModularTrace.Signing;

namespace ModularTrace.Control;

public sealed partial class ControlServer
{
    private ControlResponse Handle(ControlRequest request, int peerPid) => request.Op switch
    {
        ControlOps.Insmod => Insmod(request, peerPid),
        ControlOps.Rmmod => Rmmod(request, peerPid),
        ControlOps.Lsmod => new ControlResponse { Ok = true, Modules = Lsmod(_options.Loader) },
        ControlOps.Events => Events(request),
        ControlOps.Enable => Enable(request, true),
        ControlOps.Disable => Enable(request, false),
        ControlOps.Filter => Filter(request),
        ControlOps.Trigger => Trigger(request),
        ControlOps.Hist => Hist(request),
        ControlOps.Hooks => new ControlResponse { Ok = true, Vermagic = _options.Loader.HostVermagic, Symvers = _options.Loader.Hooks.ToSymvers().Format() },
        ControlOps.Stat => new ControlResponse { Ok = true, Vermagic = _options.Loader.HostVermagic, Buffers = Stat(_options.Session, Pipe), Taints = Taints(_options.Loader), ProbeFaults = ProbeFaults(_options.Loader) },
        ControlOps.Taint => new ControlResponse { Ok = true, Taints = Taints(_options.Loader) },
        ControlOps.KeysList => new ControlResponse
        {
            Ok = true,
            Keys = [.. _options.Loader.TrustedKeys().Select(k => new KeyInfo(k.Keyring.ToString().ToLowerInvariant(), CertificateFile.CommonName(k.Certificate), CertificateFile.Sha256Hex(k.Certificate)))],
            Locked = _options.Loader.Keyrings.IsLocked,
        },
        ControlOps.KeysEnroll => Enroll(request, peerPid),
        ControlOps.KeysConfirm => ConfirmEnrollment(request, peerPid),
        null => ControlResponse.Fail(ControlErrors.Invalid, "the request has no 'op'"),
        var op => ControlResponse.Fail(ControlErrors.Unsupported, $"unknown request '{Printable(op)}'", $"this host serves: {string.Join(", ", ControlProtocol.Operations)}"),
    };

    /// <summary>The lsmod list of a loader.</summary>
    public static IReadOnlyList<ModuleInfo> Lsmod(ModuleLoader loader)
    {
        ArgumentNullException.ThrowIfNull(loader);
        var modules = loader.Modules;
        return [.. modules.Select(m => new ModuleInfo(
            m.Name,
            m.Manifest.Version,
            m.Size,
            [.. modules.Where(user => user.Uses.Contains(m.Name)).Select(user => user.Name)],
            TaintSet.Letters(m.Taints),
            m.Signature.IsValid ? m.Signature.Signer : null,
            m.Signature.IsValid ? m.Signature.KeyId : null,
            m.Origin) { ProbeFaults = m.ProbeFaults })];
    }

    /// <summary>Probe faults by module and hook, unloaded modules included.</summary>
    public static IReadOnlyList<ProbeFaultInfo> ProbeFaults(ModuleLoader loader)
    {
        ArgumentNullException.ThrowIfNull(loader);
        return [.. loader.ProbeFaults.Select(f => new ProbeFaultInfo(f.Owner, f.Hook, f.Count))];
    }

    /// <summary>Per-buffer counters of a session.</summary>
    public static IReadOnlyList<BufferInfo> Stat(TraceSession session) => Stat(session, null);

    // With a live trace_pipe's books: what its readers were delivered, lost, hold, and what no LOST line reported yet.
    private static BufferInfo[] Stat(TraceSession session, TracePipe? pipe)
    {
        ArgumentNullException.ThrowIfNull(session);
        return [.. session.Buffers.Select(b =>
        {
            var s = b.Stats;
            var books = pipe?.Counters(b) ?? new TracePipeCounters(0, 0, 0, b.Lost);
            return new BufferInfo(s.Buffer, s.Cpu, s.Entries, s.Written, s.Overrun, s.Dropped, s.Read, s.Bytes)
            {
                Delivered = books.Delivered,
                ReaderLost = books.ReaderLost,
                InFlight = books.InFlight,
                LostUnreported = books.Unreported,
            };
        })];
    }

    /// <summary>A loader's taints.</summary>
    public static TaintInfo Taints(ModuleLoader loader)
    {
        ArgumentNullException.ThrowIfNull(loader);
        return new TaintInfo(TaintSet.Letters(loader.Taints.Flags), loader.Taints.Mask);
    }

    private ControlResponse Insmod(ControlRequest request, int peerPid)
    {
        if (AbsolutePath(request, "insmod") is { } bad)
        {
            return bad;
        }

        if (!LoadOptions.TryParseMode(request.Loader, out var mode))
        {
            return ControlResponse.Fail("EINVAL", $"insmod: unknown loader '{Printable(request.Loader!, 64)}' (EINVAL)", $"the loader is {string.Join(" or ", LoadOptions.ModeNames)}");
        }

        Log($"control: insmod {request.Path} (pid {peerPid})");
        var result = _options.Loader.Load(request.Path!, new LoadOptions { ForceVermagic = request.ForceVermagic, ForceModversion = request.ForceModversion, Mode = mode });
        var messages = result.Messages.Select(m => Printable(m, 2048)).ToArray();
        return result.Loaded
            ? new ControlResponse { Ok = true, Module = Lsmod(_options.Loader).FirstOrDefault(m => m.Name == result.Module!.Name), Messages = messages }
            : ControlResponse.Fail(ControlErrors.NotPermitted, result.Error!, result.Hint) with { Messages = messages };
    }

    private ControlResponse Rmmod(ControlRequest request, int peerPid)
    {
        if (string.IsNullOrEmpty(request.Name))
        {
            return ControlResponse.Fail(ControlErrors.Invalid, "rmmod needs 'name'");
        }

        Log($"control: rmmod {Printable(request.Name)} (pid {peerPid})");
        return _options.Loader.Unload(request.Name) switch
        {
            null => new ControlResponse { Ok = true },
            var error when error.Contains("(ENOENT)", StringComparison.Ordinal) => ControlResponse.Fail(ControlErrors.NotFound, error, "'mtrace lsmod --attach PID' lists the loaded modules"),
            var error => ControlResponse.Fail("EBUSY", error, "unload the modules using it first"),
        };
    }

    private ControlResponse Events(ControlRequest request)
    {
        var session = _options.Session;
        if (request.Format is null)
        {
            return new ControlResponse { Ok = true, Events = [.. session.Events.Select(EventInfo.From)] };
        }

        return session.Find(request.Format) is { } ev
            ? new ControlResponse { Ok = true, FormatText = FormatFile.Render(ev) }
            : ControlResponse.Fail(ControlErrors.NotFound, $"no event {Printable(request.Format)}", "'mtrace events --attach PID' lists the events the loaded modules define");
    }

    private ControlResponse Enable(ControlRequest request, bool enabled)
    {
        if (Selected(request, out var events) is { } failure)
        {
            return failure;
        }

        foreach (var ev in events)
        {
            ev.IsEnabled = enabled;
        }

        return new ControlResponse { Ok = true, Events = [.. events.Select(EventInfo.From)] };
    }

    private ControlResponse Filter(ControlRequest request)
    {
        if (request.Expr is null)
        {
            return ControlResponse.Fail(ControlErrors.Invalid, "filter needs 'expr' (0 clears the filter)");
        }

        if (Selected(request, out var events) is { } failure)
        {
            return failure;
        }

        // All or nothing, as --filter: parsed for every event before any is installed.
        if (EventCommands.SetFilter(events, request.Expr) is { } refused)
        {
            return Refused($"filter {refused.Event.FullName}", refused.Error);
        }

        return new ControlResponse { Ok = true, Events = [.. events.Select(EventInfo.From)] };
    }

    private ControlResponse Trigger(ControlRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Trigger))
        {
            return ControlResponse.Fail(ControlErrors.Invalid, "trigger needs 'trigger' (a leading '!' removes one)");
        }

        if (Selected(request, out var events) is { } failure)
        {
            return failure;
        }

        var text = request.Trigger.Trim();
        if (text.StartsWith('!'))
        {
            // The kernel's "echo '!traceoff' > trigger": remove the triggers written that way.
            var removed = 0;
            foreach (var ev in events)
            {
                foreach (var trigger in ev.Triggers.Where(t => t.Text == text[1..].Trim()).ToArray())
                {
                    removed += ev.RemoveTrigger(trigger) ? 1 : 0;
                }
            }

            return removed > 0
                ? new ControlResponse { Ok = true, Events = [.. events.Select(EventInfo.From)] }
                : ControlResponse.Fail(ControlErrors.NotFound, $"no trigger '{Printable(text[1..])}' on {Printable(request.Selector!)}");
        }

        if (EventCommands.AddTrigger(events, request.Trigger, _options.Session).Failure is { } refused)
        {
            return Refused($"trigger {refused.Event.FullName}", refused.Error);
        }

        return new ControlResponse { Ok = true, Events = [.. events.Select(EventInfo.From)] };
    }

    // Enrolment over the socket, MOK's way: a request only makes a pending enrolment; the host shows a one-time code
    // on its own console, and the key is enrolled when that code comes back. Whoever can reach the socket but not the
    // host's console cannot confirm for itself. Guarded by _enrolGate.
    private readonly Lock _enrolGate = new();
    private readonly List<PendingEnrollment> _pendingEnrollments = [];
    private int _wrongCodes;

    private const int MaxPendingEnrollments = 4;
    private const int MaxWrongCodes = 5;

    private ControlResponse Enroll(ControlRequest request, int peerPid)
    {
        if (AbsolutePath(request, "keys_enroll") is { } bad)
        {
            return bad;
        }

        if (EnrollmentRefused() is { } refused)
        {
            Log($"control: keys enroll {request.Path} (pid {peerPid}) refused: {refused.Error}");
            return refused;
        }

        System.Security.Cryptography.X509Certificates.X509Certificate2 certificate;
        try
        {
            certificate = CertificateFile.Load(request.Path!);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return ControlResponse.Fail(ControlErrors.Invalid, ex.Message);
        }

        var sha256 = CertificateFile.Sha256Hex(certificate);
        if (!string.Equals(request.Sha256, sha256, StringComparison.OrdinalIgnoreCase))
        {
            return ControlResponse.Fail(
                ControlErrors.NotPermitted,
                $"{request.Path} is not the certificate that was confirmed (sha256 {sha256})",
                "confirm again: the file changed after it was shown");
        }

        var subject = Printable(CertificateFile.CommonName(certificate), 128);
        if (_options.Loader.Keyrings.BlacklistReason(certificate) is { } blacklisted)
        {
            return ControlResponse.Fail(ControlErrors.NotPermitted, $"'{subject}' is blacklisted ({blacklisted})");
        }

        var code = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
        lock (_enrolGate)
        {
            _pendingEnrollments.RemoveAll(p => p.Expires <= DateTime.UtcNow || p.Sha256 == sha256);
            if (_pendingEnrollments.Count >= MaxPendingEnrollments)
            {
                return ControlResponse.Fail(ControlErrors.Busy, $"{MaxPendingEnrollments} enrolments are waiting for confirmation already", "confirm or let them expire first");
            }

            _pendingEnrollments.Add(new PendingEnrollment(certificate, sha256, code, DateTime.UtcNow + _options.EnrollmentTimeout));
        }

        Log($"control: keys enroll {request.Path} (pid {peerPid}): pending the owner's confirmation");
        var minutes = Math.Max(1, (int)Math.Round(_options.EnrollmentTimeout.TotalMinutes));
        ShowOnConsole(
            $"keys: pid {peerPid} asks to enrol '{subject}' (sha256 {sha256}) into the machine keyring; to allow it, run: " +
            $"mtrace keys confirm --attach {Environment.ProcessId} {code}   (within {minutes} min)");
        return new ControlResponse
        {
            Ok = true,
            Pending = true,
            Messages = [$"enrolment of '{subject}' is pending: the host's owner confirms it with the one-time code the host showed on its console ('mtrace keys confirm --attach {Environment.ProcessId} CODE')"],
        };
    }

    private ControlResponse ConfirmEnrollment(ControlRequest request, int peerPid)
    {
        if (EnrollmentRefused() is { } refused)
        {
            return refused;
        }

        if (string.IsNullOrWhiteSpace(request.Code))
        {
            return ControlResponse.Fail(ControlErrors.Invalid, "keys_confirm needs 'code'");
        }

        PendingEnrollment? match = null;
        lock (_enrolGate)
        {
            _pendingEnrollments.RemoveAll(p => p.Expires <= DateTime.UtcNow);
            var given = System.Text.Encoding.UTF8.GetBytes(request.Code.Trim().ToLowerInvariant());
            foreach (var pending in _pendingEnrollments)
            {
                if (System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(given, System.Text.Encoding.UTF8.GetBytes(pending.Code)))
                {
                    match = pending;
                }
            }

            if (match is null)
            {
                // Guessing is bounded: after a few wrong codes every pending enrolment is dropped and must be asked again.
                if (++_wrongCodes >= MaxWrongCodes)
                {
                    _pendingEnrollments.Clear();
                    _wrongCodes = 0;
                    Log($"control: keys confirm (pid {peerPid}): {MaxWrongCodes} wrong codes, every pending enrolment dropped");
                }

                return ControlResponse.Fail(ControlErrors.NotPermitted, "no pending enrolment has that code", "the code is shown on the host's console when an enrolment is asked for; it expires");
            }

            _pendingEnrollments.Remove(match);
            _wrongCodes = 0;
        }

        Log($"control: keys confirm {match.Sha256} (pid {peerPid})");
        var update = _options.Loader.EnrollMachineKey(match.Certificate, confirmed: true);
        return update.Succeeded
            ? new ControlResponse { Ok = true, Messages = [Printable(update.Reason, 2048)] }
            : ControlResponse.Fail(
                ControlErrors.NotPermitted,
                update.Reason,
                update.Status == KeyringUpdateStatus.Locked ? "lockdown forbids run-time key changes; restart the host with another policy" : null);
    }

    private ControlResponse? EnrollmentRefused()
    {
        if (_options.Loader.Policy == Policy.Lockdown || _options.Loader.Keyrings.IsLocked)
        {
            return ControlResponse.Fail(ControlErrors.NotPermitted, "the keyrings are locked down; no key can be enrolled at run time", "lockdown forbids run-time key changes; restart the host with another policy");
        }

        return _options.Enrollment == SocketEnrollment.Refused
            ? ControlResponse.Fail(
                ControlErrors.NotPermitted,
                "this host takes no key enrolment over its control socket",
                "enrol into the host's keyring directory ('mtrace keys enroll --keyring DIR CERT') and restart it, or start it with --allow-enroll")
            : null;
    }

    private void ShowOnConsole(string line)
    {
        try
        {
            (_options.Console ?? _options.Log)?.Invoke(line);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A failing console must not take the endpoint down; the enrolment then simply expires.
        }
    }

    private sealed record PendingEnrollment(System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate, string Sha256, string Code, DateTime Expires);

    // Each event's hist file under its tracefs path, as 'mtrace run' prints them at the end of a run.
    private ControlResponse Hist(ControlRequest request)
    {
        if (Selected(request, out var events) is { } failure)
        {
            return failure;
        }

        var lines = new List<string>();
        foreach (var ev in events.Where(e => e.Triggers.OfType<HistTrigger>().Any()))
        {
            lines.Add($"events/{ev.System}/{ev.Name}/hist:");
            lines.AddRange(HistTrigger.RenderHistFile(ev).Split('\n'));
        }

        return lines.Count > 0
            ? new ControlResponse { Ok = true, Lines = lines }
            : ControlResponse.Fail(ControlErrors.NotFound, $"{Printable(request.Selector!)}: no hist trigger", "add one with 'mtrace trigger --attach PID SYS:EVENT hist:keys=FIELD'");
    }

    private ControlResponse? Selected(ControlRequest request, out IReadOnlyList<TraceEvent> events)
    {
        events = [];
        if (string.IsNullOrWhiteSpace(request.Selector))
        {
            return ControlResponse.Fail(ControlErrors.Invalid, $"{request.Op} needs 'selector' (SYS:EVENT, SYS:* or all)");
        }

        events = _options.Session.Select(request.Selector.Trim());
        return events.Count > 0
            ? null
            : ControlResponse.Fail(ControlErrors.NotFound, $"{Printable(request.Selector)}: no loaded event matches", "'mtrace events --attach PID' lists the events the loaded modules define");
    }

    private ControlResponse Refused(string what, CommandError error)
    {
        _options.Session.ErrorLog.Add(error);
        return ControlResponse.Fail(ControlErrors.Invalid, $"{what}: {error.Message}", error.Hint) with
        {
            CommandError = new CommandErrorInfo(error.Subsystem, error.Command, error.Position, error.Message),
        };
    }

    private static ControlResponse? AbsolutePath(ControlRequest request, string op) =>
        string.IsNullOrEmpty(request.Path) ? ControlResponse.Fail(ControlErrors.Invalid, $"{op} needs 'path'")
        : !Path.IsPathFullyQualified(request.Path) || request.Path.Contains('\0', StringComparison.Ordinal)
            ? ControlResponse.Fail(ControlErrors.Invalid, $"{op}: path '{Printable(request.Path)}' is not absolute", "the host opens the file itself and resolves nothing against its own directory")
            : null;

    // Client text echoed into a one-line error: control characters shown as '?', long text cut.
    private static string Printable(string text, int max = 80) => Text.DisplayText.Printable(text, max);

    private SortedDictionary<string, string> Metadata()
    {
        var metadata = TraceMetadata.Of(_options.Loader);
        metadata["host_pid"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        return metadata;
    }
}
