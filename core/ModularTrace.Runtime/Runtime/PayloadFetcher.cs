using System.Diagnostics.CodeAnalysis;
using System.Linq.Expressions;
using System.Reflection;
using ModularTrace.Hooks;

namespace ModularTrace.Runtime;

/// <summary>
/// Compiles, once per payload type, the delegate that reads a payload's property paths and fires the hook with them:
/// no reflection per event (OpenTelemetry's PropertyFetcher does the same with typed getter delegates). A null on the
/// way (a Stop without a Response) gives the leaf's default; a payload of another type returns false.
/// </summary>
internal static class PayloadFetcher
{
    /// <summary>Resolves each path on <paramref name="payloadType"/>: the hook arguments it gives, or why not.</summary>
    public static bool TryResolve(Type payloadType, IReadOnlyList<string> paths, out List<(PropertyInfo[] Chain, HookArgument Argument)> resolved, [NotNullWhen(false)] out string? reason)
    {
        resolved = [];
        foreach (var path in paths)
        {
            var chain = new List<PropertyInfo>();
            var type = payloadType;
            foreach (var part in path.Split('.'))
            {
                var property = type.GetProperty(part, BindingFlags.Public | BindingFlags.Instance);
                if (property is null || property.GetMethod is null || property.GetIndexParameters().Length != 0)
                {
                    reason = $"{payloadType.FullName} has no readable property '{path}' (no '{part}' on {type.FullName})";
                    return false;
                }

                chain.Add(property);
                type = property.PropertyType;
            }

            var leaf = type.IsEnum ? Enum.GetUnderlyingType(type) : type;
            if (!HookTypes.IsSupported(leaf))
            {
                reason = $"{payloadType.FullName}.{path} is {type.FullName}, which cannot be a hook argument";
                return false;
            }

            resolved.Add(([.. chain], new HookArgument(RuntimeHookFactory.Identifier(path), leaf)));
        }

        reason = null;
        return true;
    }

    /// <summary>
    /// <c>payload =&gt; payload is T t ? (hook.Fire(fetch(t)..., extra...), true) : false</c>, compiled.
    /// </summary>
    public static Func<object?, bool> Compile(Hook hook, Type payloadType, List<(PropertyInfo[] Chain, HookArgument Argument)> resolved, Expression[] extra)
    {
        var payload = Expression.Parameter(typeof(object), "payload");
        var typed = Expression.Variable(payloadType, "typed");
        var args = resolved.Select(r => Fetch(typed, r.Chain, 0, r.Argument.Type)).Concat(extra);
        var test = payloadType.IsValueType
            ? (Expression)Expression.TypeIs(payload, payloadType)
            : Expression.NotEqual(Expression.Assign(typed, Expression.TypeAs(payload, payloadType)), Expression.Constant(null, payloadType));
        var body = payloadType.IsValueType
            ? Expression.Condition(test, Expression.Block(Expression.Assign(typed, Expression.Unbox(payload, payloadType)), RuntimeHookFactory.Fire(hook, args), Expression.Constant(true)), Expression.Constant(false))
            : Expression.Condition(test, Expression.Block(RuntimeHookFactory.Fire(hook, args), Expression.Constant(true)), Expression.Constant(false));
        return Expression.Lambda<Func<object?, bool>>(Expression.Block([typed], body), payload).Compile();
    }

    // obj.P0.P1...: a null reference on the way gives the leaf's default, an enum leaf its underlying integer.
    private static Expression Fetch(Expression target, PropertyInfo[] chain, int at, Type leaf)
    {
        var member = Expression.Property(target, chain[at]);
        if (at == chain.Length - 1)
        {
            return member.Type == leaf ? member : Expression.Convert(member, leaf);
        }

        if (member.Type.IsValueType)
        {
            return Fetch(member, chain, at + 1, leaf);
        }

        var step = Expression.Variable(member.Type, chain[at].Name);
        return Expression.Block(
            [step],
            Expression.Condition(
                Expression.Equal(Expression.Assign(step, member), Expression.Constant(null, member.Type)),
                Expression.Default(leaf),
                Fetch(step, chain, at + 1, leaf)));
    }
}
