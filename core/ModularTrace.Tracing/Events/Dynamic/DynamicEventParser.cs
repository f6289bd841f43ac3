using System.Collections.Immutable;
using System.Text;
using ModularTrace.Hooks;

namespace ModularTrace.Events.Dynamic;

/// <summary>
/// Parses dynamic-event definitions on raw hooks, seed 001's <c>function_events</c> language resolved against a
/// <see cref="HookRegistry"/>:
/// <code>
/// spec := ['t:' | 'f:'] [[GROUP '/'] EVENT '='] TARGET '(' [arg (',' arg)*] ')'
/// arg  := [TYPE] NAME          NAME: a hook argument's name; TYPE: a fetch type or C spelling (see FetchTypes)
/// </code>
/// <c>TARGET</c> is a hook name, or <c>Namespace.Type.Method</c> for a woven function entry hook (<see cref="FunctionHooks"/>).
/// Without a type an argument is recorded as its own type. Defaults: group <c>dynamic</c> (<c>functions</c> for a
/// method), event name = hook name (the method's name).
/// </summary>
public static class DynamicEventParser
{
    /// <summary>The subsystem dynamic-event errors are logged under in <c>error_log</c>.</summary>
    public const string ErrorSubsystem = "dynamic_events";

    /// <summary>At most this many arguments per event (the kernel's <c>MAX_TRACE_ARGS</c>).</summary>
    public const int MaxArguments = 128;

    /// <summary>Group and event names are C identifiers of at most this many characters (the kernel's <c>MAX_EVENT_NAME_LEN</c>).</summary>
    public const int MaxNameLength = 64;

    /// <summary>Parses a definition against the hooks of <paramref name="hooks"/>.</summary>
    /// <returns>The spec, or the error with the byte position of the offending token (ready for <see cref="ErrorLog.Add"/>).</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static ParseResult<DynamicEventSpec> Parse(string spec, HookRegistry hooks)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(hooks);
        var parser = new Parser(spec, hooks);
        var result = parser.Run();
        return result is null ? new ParseResult<DynamicEventSpec>(parser.Error!) : new ParseResult<DynamicEventSpec>(result);
    }

    private sealed class Parser(string text, HookRegistry hooks)
    {
        private int _pos;

        public CommandError? Error { get; private set; }

        private char Peek => _pos < text.Length ? text[_pos] : '\0';

        public DynamicEventSpec? Run()
        {
            SkipSpace();
            if (_pos == text.Length)
            {
                return Fail(_pos, "Empty command: expected [GROUP/EVENT=]HOOK(TYPE NAME, ...)");
            }

            var kind = '\0';
            if (_pos + 1 < text.Length && text[_pos] is 't' or 'f' && text[_pos + 1] == ':')
            {
                kind = text[_pos];
                _pos += 2;
            }

            var headAt = _pos;
            var head = ReadWhile(IsHeadChar);
            SkipSpace();
            string? group = null, name = null;
            var nameAt = -1;
            if (Peek == '=')
            {
                var slash = head.IndexOf('/', StringComparison.Ordinal);
                if (slash >= 0)
                {
                    group = head[..slash];
                    if (NameProblem(group) is { } problem)
                    {
                        return Fail(headAt, "Group name " + problem);
                    }
                }

                name = head[(slash + 1)..];
                nameAt = headAt + slash + 1;
                if (NameProblem(name) is { } nameProblem)
                {
                    return Fail(nameAt, "Event name " + nameProblem);
                }

                _pos++;
                SkipSpace();
                headAt = _pos;
                head = ReadWhile(IsHeadChar);
                SkipSpace();
            }

            if (head.Length == 0)
            {
                return Fail(_pos, _pos == text.Length ? "Missing hook name" : $"Expected a hook name, found '{Peek}'");
            }

            if (head.Contains('/', StringComparison.Ordinal))
            {
                return Fail(_pos, "Expected '=' after GROUP/EVENT");
            }

            var isFunction = head.Contains('.', StringComparison.Ordinal);
            if (kind == 'f' && !isFunction)
            {
                return Fail(headAt, "f: takes a method, Namespace.Type.Method");
            }

            if (kind == 't' && isFunction)
            {
                return Fail(headAt, "t: takes a hook name; a method needs f: or no prefix");
            }

            if (!hooks.TryGet(isFunction ? FunctionHooks.HookName(head) : head, out var hook))
            {
                return Fail(headAt, isFunction
                    ? $"Unknown function '{head}': no entry hook for it (weave its assembly and mark the type [EntryHooks])"
                    : $"Unknown hook '{head}' ('mtrace hooks' lists them)");
            }

            if (Peek != '(')
            {
                return Fail(_pos, "Missing '('");
            }

            _pos++;
            var items = ReadItems();
            if (items is null)
            {
                return null;
            }

            SkipSpace();
            if (_pos < text.Length)
            {
                return Fail(_pos, "Trailing characters after ')'");
            }

            if (items.Count > MaxArguments)
            {
                return Fail(items[MaxArguments][0].At, $"Too many arguments (at most {MaxArguments})");
            }

            var arguments = Resolve(hook, items);
            if (arguments is null)
            {
                return null;
            }

            var defaultName = isFunction ? head[(head.LastIndexOf('.') + 1)..] : head;
            return new DynamicEventSpec(
                group ?? (isFunction ? DynamicEventSpec.FunctionGroup : DynamicEventSpec.DefaultGroup),
                name ?? defaultName,
                hook,
                head,
                arguments.Value,
                text,
                ByteOffset(nameAt >= 0 ? nameAt : headAt));
        }

        // The syntactic pass: each argument as its words with their positions, up to and including the ')'.
        private List<List<(string Word, int At)>>? ReadItems()
        {
            var items = new List<List<(string Word, int At)>>();
            SkipSpace();
            if (Peek == ')')
            {
                _pos++;
                return items;
            }

            while (true)
            {
                var words = new List<(string Word, int At)>();
                while (true)
                {
                    SkipSpace();
                    if (_pos == text.Length)
                    {
                        Fail(_pos, "Missing ')'");
                        return null;
                    }

                    var c = text[_pos];
                    if (c is ',' or ')')
                    {
                        break;
                    }

                    if (!IsWordChar(c))
                    {
                        Fail(_pos, c switch
                        {
                            '[' => "Array types are not supported",
                            '=' or ':' => "Fields take the hook argument's name and a type before it: TYPE NAME",
                            _ => $"Unexpected character '{c}'",
                        });
                        return null;
                    }

                    var at = _pos;
                    words.Add((ReadWhile(IsWordChar), at));
                }

                if (words.Count == 0)
                {
                    Fail(_pos, "Missing argument");
                    return null;
                }

                items.Add(words);
                if (text[_pos++] == ')')
                {
                    return items;
                }
            }
        }

        // The semantic pass: types known, names the hook's, no duplicates, types fit.
        private ImmutableArray<DynamicEventArgument>? Resolve(Hook hook, List<List<(string Word, int At)>> items)
        {
            var arguments = ImmutableArray.CreateBuilder<DynamicEventArgument>(items.Count);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var signature = hook.Signature.Arguments;
            foreach (var words in items)
            {
                var (name, nameAt) = words[^1];
                FetchType? type = null;
                if (words.Count > 1)
                {
                    var spelling = string.Join(' ', words.Take(words.Count - 1).Select(word => word.Word));
                    if (!FetchTypes.TryParse(spelling, out var parsed))
                    {
                        Fail(words[0].At, $"Unknown type '{spelling}' (types: u8 u16 u32 u64 s8 s16 s32 s64 x8 x16 x32 x64 string char bool, or C names such as int, unsigned long)");
                        return null;
                    }

                    type = parsed;
                }

                var index = -1;
                for (var i = 0; i < signature.Length && index < 0; i++)
                {
                    index = signature[i].Name == name ? i : -1;
                }

                if (index < 0)
                {
                    Fail(nameAt, signature.IsEmpty
                        ? $"Unknown argument '{name}': {hook.Name} has no arguments"
                        : $"Unknown argument '{name}' of {hook.Name} (arguments: {string.Join(", ", signature.Select(arg => arg.Name))})");
                    return null;
                }

                if (!seen.Add(name))
                {
                    Fail(nameAt, $"Argument '{name}' is used twice");
                    return null;
                }

                var source = signature[index];
                var fetch = type ?? FetchTypes.Natural(source.Type);
                if (!fetch.Fits(source.Type))
                {
                    Fail(words[0].At, $"Type '{fetch.KernelName()}' does not fit argument '{name}' of type '{source.TypeName}'"
                        + (fetch.IsInteger() ? " (integer types take integer arguments)" : $" ({fetch.KernelName()} takes only a {fetch.KernelName()} argument)"));
                    return null;
                }

                arguments.Add(new DynamicEventArgument(name, fetch, index, source));
            }

            return arguments.MoveToImmutable();
        }

        private static string? NameProblem(string name) => name.Length switch
        {
            0 => "is empty",
            > MaxNameLength => $"is too long (at most {MaxNameLength} characters)",
            _ => HookSignature.IsIdentifier(name) ? null : "must be a C identifier ([A-Za-z_][A-Za-z0-9_]*)",
        };

        private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

        private static bool IsHeadChar(char c) => IsWordChar(c) || c is '.' or '/';

        private string ReadWhile(Func<char, bool> accept)
        {
            var start = _pos;
            while (_pos < text.Length && accept(text[_pos]))
            {
                _pos++;
            }

            return text[start.._pos];
        }

        private void SkipSpace()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos]))
            {
                _pos++;
            }
        }

        private int ByteOffset(int charPosition) => Encoding.UTF8.GetByteCount(text.AsSpan(0, Math.Min(charPosition, text.Length)));

        private DynamicEventSpec? Fail(int charPosition, string message)
        {
            Error = new CommandError(ErrorSubsystem, text, ByteOffset(charPosition), message);
            return null;
        }
    }
}
