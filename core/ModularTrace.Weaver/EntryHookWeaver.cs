using System.Collections.Immutable;
using ModularTrace.Hooks;
using Mono.Cecil;
using Mono.Cecil.Cil;
using Mono.Cecil.Rocks;

namespace ModularTrace.Weaver;

/// <summary>
/// Adds an entry hook to every eligible method of the <see cref="EntryHooksAttribute"/> types of an assembly: a static
/// hook field in a generated class and, first thing in the method, <c>field.Fire(args)</c>, which the JIT inlines to
/// a load, a null test and a branch while no probe is attached. See <see cref="FunctionHooks"/> for the generated class.
/// </summary>
internal static class EntryHookWeaver
{
    private static readonly ImmutableHashSet<string> s_supported =
    [
        "System.Boolean", "System.Byte", "System.SByte", "System.Int16", "System.UInt16", "System.Int32",
        "System.UInt32", "System.Int64", "System.UInt64", "System.Char", "System.String",
    ];

    /// <summary>Weaves the file in place (and its portable PDB when there is one); deterministic output.</summary>
    public static WeaveReport WeaveFile(string path)
    {
        var pdb = Path.ChangeExtension(path, ".pdb");
        var symbols = File.Exists(pdb);
        using var module = ModuleDefinition.ReadModule(path, new ReaderParameters { InMemory = true, ReadSymbols = symbols });
        var report = Weave(module);
        if (!report.AlreadyWoven && report.Hooks.Length > 0)
        {
            module.Write(path, new WriterParameters { WriteSymbols = symbols, DeterministicMvid = true });
        }

        return report;
    }

    /// <summary>Weaves a module in memory.</summary>
    public static WeaveReport Weave(ModuleDefinition module)
    {
        var (ns, name) = Split(FunctionHooks.GeneratedTypeName);
        if (module.GetType(ns, name) is not null)
        {
            return new WeaveReport(true, [], []);
        }

        using var core = ModuleDefinition.ReadModule(typeof(HookRegistry).Assembly.Location);
        var hooks = new List<string>();
        var skipped = new List<string>();
        var candidates = new List<(MethodDefinition Method, string HookName)>();
        var attribute = typeof(EntryHooksAttribute).FullName;
        foreach (var type in module.Types.Where(t => !t.HasGenericParameters && t.CustomAttributes.Any(a => a.AttributeType.FullName == attribute)))
        {
            foreach (var method in type.Methods.Where(m => m.HasBody && !m.IsConstructor && !m.IsSpecialName && !m.HasGenericParameters && !m.IsAbstract))
            {
                var hookName = FunctionHooks.HookName(type.FullName + "." + method.Name);
                var problem = method.Parameters.Count > Hook.MaxArguments ? $"more than {Hook.MaxArguments} parameters"
                    : method.Parameters.FirstOrDefault(p => !s_supported.Contains(p.ParameterType.FullName)) is { } bad ? $"parameter '{bad.Name}' is {bad.ParameterType.FullName}"
                    : method.Parameters.FirstOrDefault(p => !HookSignature.IsIdentifier(p.Name)) is { } unnamed ? $"parameter name '{unnamed.Name}'"
                    : !HookSignature.IsIdentifier(hookName) ? $"hook name '{hookName}' is longer than 64 characters"
                    : type.Methods.Count(m => m.Name == method.Name) > 1 ? "overloaded (one hook per method name)"
                    : null;
                if (problem is not null)
                {
                    skipped.Add($"{type.FullName}.{method.Name}: {problem}");
                    continue;
                }

                candidates.Add((method, hookName));
            }
        }

        if (candidates.Count == 0)
        {
            return new WeaveReport(false, [], [.. skipped]);
        }

        var generated = new TypeDefinition(ns, name,
            TypeAttributes.NotPublic | TypeAttributes.Abstract | TypeAttributes.Sealed | TypeAttributes.BeforeFieldInit | TypeAttributes.Class,
            module.TypeSystem.Object);
        module.Types.Add(generated);
        var cctor = new MethodDefinition(".cctor",
            MethodAttributes.Private | MethodAttributes.Static | MethodAttributes.HideBySig | MethodAttributes.SpecialName | MethodAttributes.RTSpecialName,
            module.TypeSystem.Void);
        var register = new MethodDefinition(FunctionHooks.RegisterMethodName,
            MethodAttributes.Assembly | MethodAttributes.Static | MethodAttributes.HideBySig, module.TypeSystem.Int32);
        var registryType = core.GetType("ModularTrace.Hooks", "HookRegistry");
        register.Parameters.Add(new ParameterDefinition("registry", ParameterAttributes.None, module.ImportReference(registryType)));
        generated.Methods.Add(cctor);
        generated.Methods.Add(register);
        var registerGeneric = module.ImportReference(registryType.Methods.Single(m => m.Name == "Register"));
        var init = cctor.Body.GetILProcessor();
        var reg = register.Body.GetILProcessor();

        foreach (var (method, hookName) in candidates)
        {
            var (hookType, ctor, fire) = HookMembers(module, core, method);
            var field = new FieldDefinition(hookName, FieldAttributes.Assembly | FieldAttributes.Static, hookType);
            generated.Fields.Add(field);

            // cctor: a hook in no registry, so the field is never null and the woven call needs no null test.
            EmitNewHook(init, hookName, method, ctor);
            init.Emit(OpCodes.Stsfld, field);

            // Register: a new hook in the given registry, published with a release write.
            reg.Emit(OpCodes.Ldarg_0);
            EmitNewHook(reg, hookName, method, ctor);
            var registerInstance = new GenericInstanceMethod(registerGeneric);
            registerInstance.GenericArguments.Add(hookType);
            reg.Emit(OpCodes.Callvirt, registerInstance);
            reg.Emit(OpCodes.Volatile);
            reg.Emit(OpCodes.Stsfld, field);

            // The method's entry: field.Fire(args).
            var body = method.Body;
            body.SimplifyMacros();
            var il = body.GetILProcessor();
            var first = body.Instructions[0];
            il.InsertBefore(first, il.Create(OpCodes.Ldsfld, field));
            foreach (var parameter in method.Parameters)
            {
                il.InsertBefore(first, il.Create(OpCodes.Ldarg, parameter));
            }

            il.InsertBefore(first, il.Create(OpCodes.Callvirt, fire));
            body.OptimizeMacros();
            hooks.Add(hookName);
        }

        init.Emit(OpCodes.Ret);
        reg.Emit(OpCodes.Ldc_I4, candidates.Count);
        reg.Emit(OpCodes.Ret);
        return new WeaveReport(false, [.. hooks], [.. skipped]);
    }

    private static void EmitNewHook(ILProcessor il, string hookName, MethodDefinition method, MethodReference ctor)
    {
        il.Emit(OpCodes.Ldstr, hookName);
        foreach (var parameter in method.Parameters)
        {
            il.Emit(OpCodes.Ldstr, parameter.Name);
        }

        il.Emit(OpCodes.Newobj, ctor);
    }

    // Hook<T1..Tn> closed over the method's parameter types (NullaryHook for none), its constructor and Fire.
    private static (TypeReference Hook, MethodReference Ctor, MethodReference Fire) HookMembers(
        ModuleDefinition module, ModuleDefinition core, MethodDefinition method)
    {
        var arity = method.Parameters.Count;
        if (arity == 0)
        {
            var nullary = core.GetType("ModularTrace.Hooks", "NullaryHook");
            return (module.ImportReference(nullary),
                module.ImportReference(nullary.Methods.Single(m => m.IsConstructor && !m.IsStatic)),
                module.ImportReference(nullary.Methods.Single(m => m.Name == "Fire")));
        }

        var definition = core.GetType("ModularTrace.Hooks", "Hook`" + arity);
        var open = module.ImportReference(definition);
        var closed = new GenericInstanceType(open);
        foreach (var parameter in method.Parameters)
        {
            closed.GenericArguments.Add(parameter.ParameterType);
        }

        var ctor = new MethodReference(".ctor", module.TypeSystem.Void, closed) { HasThis = true };
        ctor.Parameters.Add(new ParameterDefinition(module.TypeSystem.String));
        for (var i = 0; i < arity; i++)
        {
            ctor.Parameters.Add(new ParameterDefinition(module.TypeSystem.String));
        }

        var fire = new MethodReference("Fire", module.TypeSystem.Void, closed) { HasThis = true };
        for (var i = 0; i < arity; i++)
        {
            fire.Parameters.Add(new ParameterDefinition(open.GenericParameters[i]));
        }

        return (closed, ctor, fire);
    }

    private static (string Namespace, string Name) Split(string fullName)
    {
        var dot = fullName.LastIndexOf('.');
        return (fullName[..dot], fullName[(dot + 1)..]);
    }
}

/// <summary>What a weave did.</summary>
/// <param name="AlreadyWoven">The assembly held the generated class already; nothing was changed.</param>
/// <param name="Hooks">The hook names added, in order.</param>
/// <param name="Skipped">Methods of marked types left alone, each with the reason.</param>
internal sealed record WeaveReport(bool AlreadyWoven, ImmutableArray<string> Hooks, ImmutableArray<string> Skipped);
