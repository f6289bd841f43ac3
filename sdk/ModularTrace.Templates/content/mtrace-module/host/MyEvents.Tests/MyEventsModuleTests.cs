using System.Globalization;
using System.Reflection;
using ModularTrace.Events;
using ModularTrace.Hooks;
using ModularTrace.Modules;
using ModularTrace.Output;
using ModularTrace.Signing;

namespace MyEvents.Tests;

public sealed class MyEventsModuleTests
{
    private const int Fires = 3;

    [Fact]
    public void Load_SignedModule_RecordsEachHookFiredWithItsArguments()
    {
        // The host's hooks made from its Module.symvers (prototypes, so CRCs), with its vermagic: the host need not
        // run, or even be built here. The loader trusts only the module's own certificate and enforces signatures.
        var hooks = HostHooks();
        var session = new TraceSession();
        var keyrings = new Keyrings([CertificateFile.Load(Metadata("ModuleCertificate"))]);
        var loader = new ModuleLoader(hooks, session, keyrings, Policy.Enforce) { HostVermagic = Metadata("HostVermagic") };

        var loaded = loader.Load(Metadata("ModulePath"));
        Assert.True(loaded.Loaded, $"{loaded.Error}\n{loaded.Hint}");
        var declared = loaded.Module!.Manifest.Hooks.Keys.ToList();
        Assert.NotEmpty(declared);
        foreach (var name in declared)
        {
            Assert.Equal(1, session.SetEnabled($"mtrace_module_name:{name}", true));
        }

        // Fire each hook as the host would, with values made from its argument types.
        foreach (var name in declared)
        {
            Assert.True(hooks.TryGet(name, out var hook));
            var fire = hook.GetType().GetMethod("Fire")!;
            for (var i = 1; i <= Fires; i++)
            {
                fire.Invoke(hook, [.. hook.Signature.Arguments.Select(argument => Value(argument, i))]);
            }
        }

        var records = new TraceReader(session).Read(consume: true);
        foreach (var name in declared)
        {
            var mine = records.Where(r => r.Event?.FullName == $"mtrace_module_name:{name}").ToList();
            Assert.Equal(Fires, mine.Count);
            var arguments = hooks.Get<Hook>(name).Signature.Arguments;
            for (var i = 1; i <= Fires; i++)
            {
                var layout = mine[i - 1].Event!.Class.Layout;
                foreach (var argument in arguments)
                {
                    Assert.Equal(Shown(Value(argument, i)), Read(mine[i - 1].Data, layout[argument.Name]));
                }
            }
        }

        Assert.Null(loader.Unload(loaded.Module.Name));
    }

    [Fact]
    public void Load_HostWithoutItsCertificate_IsRefused()
    {
        var loader = new ModuleLoader(HostHooks(), new TraceSession(), new Keyrings(), Policy.Enforce) { HostVermagic = Metadata("HostVermagic") };

        var refused = loader.Load(Metadata("ModulePath"));

        Assert.False(refused.Loaded);
        Assert.Contains("unavailable key", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HostOfAnotherVermagic_IsRefused()
    {
        var keyrings = new Keyrings([CertificateFile.Load(Metadata("ModuleCertificate"))]);
        var loader = new ModuleLoader(HostHooks(), new TraceSession(), keyrings, Policy.Enforce) { HostVermagic = "another host 1.0" };

        var refused = loader.Load(Metadata("ModulePath"));

        Assert.False(refused.Loaded);
        Assert.Contains("should be 'another host 1.0'", refused.Error, StringComparison.Ordinal);
    }

    private static HookRegistry HostHooks() => HookRegistry.FromSymvers(Symvers.Load(Metadata("HostSymvers")));

    // The i-th value of an argument: text names the argument, so a field written from the wrong argument shows.
    private static object Value(HookArgument argument, int i) => argument.Type switch
    {
        var t when t == typeof(string) => $"{argument.Name}-{i}",
        var t when t == typeof(bool) => i % 2 == 0,
        var t when t == typeof(char) => (char)('a' + i),
        var t => Convert.ChangeType(i, t, CultureInfo.InvariantCulture),
    };

    private static string Shown(object value) => value switch
    {
        bool b => b ? "1" : "0",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };

    private static string Read(byte[] record, EventField field) =>
        field.Type is FieldType.Chars or FieldType.DataLoc
            ? RecordValues.ReadString(record, field)
            : RecordValues.ReadInt64(record, field).ToString(CultureInfo.InvariantCulture);

    private static string Metadata(string key) =>
        typeof(MyEventsModuleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"assembly metadata {key} has no value");
}
