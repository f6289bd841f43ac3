using System.Linq.Expressions;
using ModularTrace.Hooks;

namespace ModularTrace.Runtime;

/// <summary>Makes a <c>Hook&lt;T..&gt;</c> for argument types known only at run time, and the expression that fires it.</summary>
internal static class RuntimeHookFactory
{
    public static Hook Create(string name, IReadOnlyList<HookArgument> arguments)
    {
        if (arguments.Count > Hook.MaxArguments)
        {
            throw new ArgumentException($"Runtime hook '{name}' would have {arguments.Count} arguments; a hook has at most {Hook.MaxArguments}.", nameof(arguments));
        }

        return Hook.Create(new HookSignature(name, arguments));
    }

    /// <summary><c>hook.Fire(args)</c> as an expression; the arguments' types must be the hook's.</summary>
    public static MethodCallExpression Fire(Hook hook, IEnumerable<Expression> arguments)
    {
        var fire = hook.GetType().GetMethod("Fire") ?? throw new InvalidOperationException($"{hook.GetType()} has no Fire method.");
        return Expression.Call(Expression.Constant(hook), fire, arguments);
    }

    /// <summary>A hook or argument name from a runtime name: every character but letters, digits and '_' becomes '_'.</summary>
    public static string Identifier(string text) => string.Create(text.Length, text, static (span, source) =>
    {
        for (var i = 0; i < source.Length; i++)
        {
            span[i] = char.IsAsciiLetterOrDigit(source[i]) || source[i] == '_' ? source[i] : '_';
        }
    });
}
