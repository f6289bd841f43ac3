using System.Reflection;
using System.Reflection.Emit;
using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;
using ModularTrace.Signing;

namespace ModularTrace.Benchmarks;

/// <summary>
/// Writes distinct signed trace modules at setup time: each an assembly emitted with
/// <see cref="PersistedAssemblyBuilder"/> carrying [TraceModule] (name packNN, entry type), the host's vermagic, the
/// in-tree mark and the CRC of <c>sched_process_exit</c>, whose entry's Init calls <see cref="PackModuleInit.Init"/>
/// (defines one event, attaches one probe, as a sample module does), then signed with the development key.
/// </summary>
internal static class GeneratedModules
{
    public static string[] Write(string directory, int count, HookRegistry hooks)
    {
        Directory.CreateDirectory(directory);
        var crc = hooks.Get<Hook<string, int, int>>("sched_process_exit").Signature.Crc;
        using var key = PrivateKeyFile.Load(BenchHost.DevKey).Key;
        using var certificate = CertificateFile.Load(BenchHost.DevCertificate);
        var paths = new string[count];
        for (var i = 0; i < count; i++)
        {
            var name = $"pack{i:00}";
            var image = Emit("ModularTrace.Module.Pack" + i.ToString("00", System.Globalization.CultureInfo.InvariantCulture), name, crc);
            paths[i] = Path.Combine(directory, $"ModularTrace.Module.Pack{i:00}.dll");
            File.WriteAllBytes(paths[i], ModuleSigner.Sign(image, key, certificate, "sha256"));
        }

        return paths;
    }

    private static byte[] Emit(string assemblyName, string moduleName, uint crc)
    {
        var assembly = new PersistedAssemblyBuilder(new AssemblyName(assemblyName) { Version = new Version(1, 0, 0, 0) }, typeof(object).Assembly);
        var module = assembly.DefineDynamicModule(assemblyName);
        var type = module.DefineType(assemblyName + ".Entry", TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.Class, typeof(object), [typeof(ITraceModule)]);
        type.DefineDefaultConstructor(MethodAttributes.Public);
        var init = type.DefineMethod(nameof(ITraceModule.Init),
            MethodAttributes.Public | MethodAttributes.Virtual | MethodAttributes.Final | MethodAttributes.HideBySig | MethodAttributes.NewSlot,
            typeof(void), [typeof(ModuleContext)]);
        var il = init.GetILGenerator();
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Call, typeof(PackModuleInit).GetMethod(nameof(PackModuleInit.Init))!);
        il.Emit(OpCodes.Ret);
        type.DefineMethodOverride(init, typeof(ITraceModule).GetMethod(nameof(ITraceModule.Init))!);
        var entry = type.CreateType();

        var traceModule = typeof(TraceModuleAttribute);
        assembly.SetCustomAttribute(new CustomAttributeBuilder(
            traceModule.GetConstructor([typeof(string)])!, [moduleName],
            [traceModule.GetProperty(nameof(TraceModuleAttribute.Version))!, traceModule.GetProperty(nameof(TraceModuleAttribute.License))!, traceModule.GetProperty(nameof(TraceModuleAttribute.Entry))!],
            ["1.0.0", "GPL-2.0", entry]));
        assembly.SetCustomAttribute(new CustomAttributeBuilder(typeof(ModuleVermagicAttribute).GetConstructor([typeof(string)])!, [VerMagic.Host]));
        assembly.SetCustomAttribute(new CustomAttributeBuilder(typeof(ModuleInTreeAttribute).GetConstructor(Type.EmptyTypes)!, []));
        assembly.SetCustomAttribute(new CustomAttributeBuilder(typeof(ModuleHookVersionAttribute).GetConstructor([typeof(string), typeof(uint)])!, ["sched_process_exit", crc]));
        using var stream = new MemoryStream();
        assembly.Save(stream);
        return stream.ToArray();
    }
}

/// <summary>What a generated module's Init does: the sched module's sched_process_exit, under the module's own name.</summary>
public static class PackModuleInit
{
    /// <summary>Defines <c>pack:&lt;module&gt;_exit</c> and attaches its probe to <c>sched_process_exit</c>.</summary>
    public static void Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var b = new EventLayoutBuilder();
        var comm = b.Chars("comm", 16);
        var pid = b.S32("pid");
        var prio = b.S32("prio");
        var ev = context.DefineEvent("pack", context.Name + "_exit", new EventClass("pack_exit", b.Build(), "comm={comm} pid={pid} prio={prio}"));
        context.Attach(context.Hook<Hook<string, int, int>>("sched_process_exit"), (c, p, pr) =>
        {
            var w = ev.Reserve();
            if (!w.IsReserved)
            {
                return;
            }

            w.Set(comm, c);
            w.Set(pid, p);
            w.Set(prio, pr);
            w.Commit();
        });
    }
}
