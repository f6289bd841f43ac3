using System.Linq.Expressions;
using System.Reflection;
using ModularTrace.Hooks;

namespace ModularTrace.Runtime;

/// <summary>Makes a <c>Hook&lt;T..&gt;</c> for argument types known only at run time, and the expression that fires it.</summary>
internal static class RuntimeHookFactory
{
    // Hook`1 .. Hook`MaxArguments, as ModularTrace.Generators wrote them: the bound comes from the same place as
    // the classes, so no list here has to be kept in step with the arities.
    private static readonly Type[] s_arities =
    [
        typeof(NullaryHook),
        .. Enumerable.Range(1, Hook.MaxArguments).Select(n => typeof(Hook).Assembly.GetType($"ModularTrace.Hooks.Hook`{n}", throwOnError: true)!),
    ];

    public static Hook Create(string name, IReadOnlyList<HookArgument> arguments)
    {
        if (arguments.Count > Hook.MaxArguments)
        {
            throw new ArgumentException($"Runtime hook '{name}' would have {arguments.Count} arguments; a hook has at most {Hook.MaxArguments}.", nameof(arguments));
        }

        var type = arguments.Count == 0 ? typeof(NullaryHook) : s_arities[arguments.Count].MakeGenericType([.. arguments.Select(a => a.Type)]);
        object[] ctorArgs = [name, .. arguments.Select(a => a.Name)];
        try
        {
            return (Hook)Activator.CreateInstance(type, ctorArgs)!;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is { } inner)
        {
            throw inner;
        }
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
