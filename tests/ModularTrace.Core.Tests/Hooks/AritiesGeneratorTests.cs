using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using ModularTrace.Events;
using ModularTrace.Generators;
using ModularTrace.Hooks;

namespace ModularTrace.Core.Tests.Hooks;

/// <summary>
/// The per-arity code is written at build by <see cref="AritiesGenerator"/>: what it writes, that the assemblies carry
/// every arity it promises and no more, and that a project asking for a part it does not know fails the build.
/// </summary>
public sealed class AritiesGeneratorTests
{
    [Fact]
    public void MaxArity_IsTheHooksPromise()
    {
        Assert.Equal(Hook.MaxArguments, AritiesGenerator.MaxArity);
    }

    [Fact]
    public void HooksAssembly_HasOneHookClassPerArity_AndNoMore()
    {
        var assembly = typeof(Hook).Assembly;
        Assert.NotNull(assembly.GetType("ModularTrace.Hooks.NullaryHook"));
        for (var n = 1; n <= Hook.MaxArguments; n++)
        {
            var type = assembly.GetType($"ModularTrace.Hooks.Hook`{n}");
            Assert.NotNull(type);
            var fire = type.GetMethod("Fire");
            Assert.NotNull(fire);
            Assert.Equal(n, fire.GetParameters().Length);
            Assert.Equal(n + 1, type.GetConstructors().Single().GetParameters().Length);
        }

        Assert.Null(assembly.GetType($"ModularTrace.Hooks.Hook`{Hook.MaxArguments + 1}"));
    }

    [Fact]
    public void TracingAssembly_HasADynamicProbeForEveryHookArity()
    {
        var probes = typeof(TraceEvent).Assembly.GetType("ModularTrace.Events.Dynamic.DynamicProbes", throwOnError: true)!;
        var attach = probes.GetMethods(BindingFlags.NonPublic | BindingFlags.Static)
            .Where(m => m.Name.StartsWith("Attach", StringComparison.Ordinal) && m.Name != "Attach")
            .Select(m => m.Name)
            .Order(StringComparer.Ordinal);
        Assert.Equal(Enumerable.Range(0, Hook.MaxArguments + 1).Select(n => $"Attach{n}"), attach);
    }

    [Fact]
    public void ContractAssembly_HasBothRecordFormsForEveryHookArity()
    {
        var record = typeof(ModularTrace.Modules.ModuleContext).GetMethods().Where(m => m.Name == "Record").ToList();
        // Arity 0 has no arguments to size strings from: one form; every other arity has two (with and without sizing).
        Assert.Equal(1 + (2 * Hook.MaxArguments), record.Count);
        for (var n = 0; n <= Hook.MaxArguments; n++)
        {
            Assert.Contains(record, m => m.GetGenericArguments().Length == n && m.GetParameters().Length == 3);
        }
    }

    [Fact]
    public void Generator_WritesTheNamedParts()
    {
        var (sources, diagnostics) = Run("Hooks, DynamicProbes,EventAssign,Record");
        Assert.Empty(diagnostics);
        Assert.Equal(["DynamicProbes.Arities.g.cs", "EventAssign.Arities.g.cs", "Hook.Arities.g.cs", "ModuleContext.Record.g.cs"], sources.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("public delegate void EventAssign<in T1, in T2, in T3, in T4, in T5, in T6, in T7, in T8>(ref EventWriter writer, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8);", sources["EventAssign.Arities.g.cs"], StringComparison.Ordinal);
        Assert.Contains("public void Record(NullaryHook hook, TraceEvent ev, EventAssign assign)", sources["ModuleContext.Record.g.cs"], StringComparison.Ordinal);
        Assert.Contains("public sealed class Hook<T1, T2, T3, T4, T5, T6, T7, T8> : ProbeSite<Action<T1, T2, T3, T4, T5, T6, T7, T8>>", sources["Hook.Arities.g.cs"], StringComparison.Ordinal);
        Assert.Contains("public sealed class NullaryHook : ProbeSite<Action>", sources["Hook.Arities.g.cs"], StringComparison.Ordinal);
        Assert.DoesNotContain("T9", sources["Hook.Arities.g.cs"], StringComparison.Ordinal);
        Assert.Contains("private static Func<bool> Attach8<T1, T2, T3, T4, T5, T6, T7, T8>(", sources["DynamicProbes.Arities.g.cs"], StringComparison.Ordinal);
        Assert.DoesNotContain("Attach0", sources["DynamicProbes.Arities.g.cs"], StringComparison.Ordinal);
    }

    [Fact]
    public void Generator_WritesNothingWhenNotAsked()
    {
        var (sources, diagnostics) = Run(null);
        Assert.Empty(sources);
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void Generator_RefusesAnUnknownPart()
    {
        var (sources, diagnostics) = Run("Hooks;Probes");
        var error = Assert.Single(diagnostics);
        Assert.Equal("MTGEN001", error.Id);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        Assert.Contains("'Probes'", error.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(["Hook.Arities.g.cs"], sources.Keys);
    }

    private static (Dictionary<string, string> Sources, ImmutableArray<Diagnostic> Diagnostics) Run(string? parts)
    {
        var compilation = CSharpCompilation.Create("Probe", [], [], new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var options = new Options(parts is null ? [] : new Dictionary<string, string> { ["build_property.ModularTraceArities"] = parts });
        var driver = CSharpGeneratorDriver.Create([new AritiesGenerator().AsSourceGenerator()], optionsProvider: options).RunGenerators(compilation);
        var result = driver.GetRunResult();
        return (result.GeneratedTrees.ToDictionary(t => Path.GetFileName(t.FilePath), t => t.GetText().ToString()), result.Diagnostics);
    }

    private sealed class Options(Dictionary<string, string> global) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Values(global);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Values([]);

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Values([]);

        private sealed class Values(Dictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }
}
