using System.Linq.Expressions;
using ModularTrace.Hooks;

namespace ModularTrace.Runtime;

/// <summary>Makes a <c>Hook&lt;T..&gt;</c> for argument types known only at run time, and the expression that fires it.</summary>
internal static class RuntimeHookFactory
{
    /// <exception cref="ArgumentException">More than <see cref="Hook.MaxArguments"/> arguments (<see cref="Hook.Create"/>).</exception>
    public static Hook Create(string name, IReadOnlyList<HookArgument> arguments) => Hook.Create(new HookSignature(name, arguments));

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
